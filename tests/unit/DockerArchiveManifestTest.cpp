// docker save's manifest.json and repositories, as Docker 20.10 and 25 and skopeo write them.
#include "DockerArchiveManifest.h"

#include <gtest/gtest.h>

namespace agent::image {
namespace {

TEST(DockerArchiveManifest, LegacyAndDocker25EntriesRead) {
  // Docker 20.10: <hex>.json and <id>/layer.tar; the second image saved by id has RepoTags null.
  auto legacy = parseDockerArchiveManifest(R"([
    {"Config":"3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741.json",
     "RepoTags":["busybox:latest","busybox:1.36"],
     "Layers":["a1b2c3/layer.tar","d4e5f6/layer.tar"]},
    {"Config":"4f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741.json","RepoTags":null,"Layers":["a1b2c3/layer.tar"]}
  ])",
                                           "manifest.json");
  ASSERT_TRUE(legacy) << legacy.error().message();
  ASSERT_EQ(legacy->size(), 2u);
  EXPECT_EQ((*legacy)[0].repoTags, (std::vector<std::string>{"busybox:latest", "busybox:1.36"}));
  EXPECT_EQ((*legacy)[0].layers[1], "d4e5f6/layer.tar");
  EXPECT_TRUE((*legacy)[1].repoTags.empty());
  // Docker 25: paths into the OCI layout's blobs, and LayerSources for foreign layers.
  auto docker25 = parseDockerArchiveManifest(R"([{"Config":"blobs/sha256/3f57","RepoTags":["x:1"],
    "Layers":["blobs/sha256/aa"],"LayerSources":{}}])",
                                             "manifest.json");
  ASSERT_TRUE(docker25) << docker25.error().message();
  EXPECT_EQ((*docker25)[0].config, "blobs/sha256/3f57");
}

TEST(DockerArchiveManifest, MalformedEntriesAreRefusedNamingTheField) {
  struct Case {
    std::string json, says;
  };
  std::vector<Case> cases = {
      {R"({"Config":"x"})", "`manifest.json`: is an object, expected docker save's manifest.json"},
      {R"([{"RepoTags":[],"Layers":[]}])", "`manifest.json`, field `[0].Config`: is missing, expected a string"},
      {R"([{"Config":"c.json","Layers":"l.tar"}])",
       "`manifest.json`, field `[0].Layers`: is a string, expected an array"},
      {R"([{"Config":"c.json","RepoTags":[1]}])", "`manifest.json`, field `[0].RepoTags[0]`: is a number"},
      {R"([7])", "`manifest.json`, field `[0]`: is not an object"},
      {R"([{)", "`manifest.json`: is not valid JSON"},
  };
  for (const auto& c : cases) {
    auto entries = parseDockerArchiveManifest(c.json, "manifest.json");
    ASSERT_FALSE(entries) << c.json;
    EXPECT_NE(entries.error().message().find(c.says), std::string::npos) << entries.error().message();
  }
}

TEST(DockerArchiveManifest, RepositoriesMapRepoAndTagToTheTopLayer) {
  auto repositories = parseDockerRepositories(R"({"busybox":{"latest":"d4e5f6","1.36":"d4e5f6"}})", "repositories");
  ASSERT_TRUE(repositories) << repositories.error().message();
  EXPECT_EQ(repositories->at("busybox").at("1.36"), "d4e5f6");
  auto bad = parseDockerRepositories(R"({"busybox":"d4e5f6"})", "repositories");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("`repositories`, field `busybox`"), std::string::npos) << bad.error().message();
}

}  // namespace
}  // namespace agent::image

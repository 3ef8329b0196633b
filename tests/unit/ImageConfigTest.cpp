// Image configs as Docker and the OCI image-spec (config.md) write them: the fields that run
// a container, and each malformed field refused naming the file and the field.
#include "ImageConfig.h"

#include <gtest/gtest.h>

namespace agent::image {
namespace {

// Docker's config of an image built FROM busybox with EXPOSE, LABEL, USER, WORKDIR (trimmed
// history), the superset of config.md's example.
constexpr std::string_view kDockerConfig = R"({
  "architecture": "amd64",
  "config": {
    "Hostname": "", "Domainname": "", "User": "www:www", "AttachStdin": false,
    "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
    "Tty": false, "OpenStdin": false, "StdinOnce": false,
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=a=b"],
    "Cmd": ["-c", "echo hi"], "Image": "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
    "Volumes": null, "WorkingDir": "/srv", "Entrypoint": ["/bin/sh"], "OnBuild": null,
    "Labels": {"org.opencontainers.image.title": "web", "maintainer": "a@b"}
  },
  "created": "2024-01-27T00:30:48.743965523Z",
  "history": [{"created": "2024-01-17T21:49:12Z", "created_by": "ADD file:... in / "}, {"created_by": "CMD [\"sh\"]", "empty_layer": true}],
  "os": "linux",
  "rootfs": {"type": "layers", "diff_ids": [
    "sha256:2e112031b4b923a873c8b3d685d48037e4d5ccd967b658743d93a6e56c3064b9",
    "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"]}
})";

TEST(ImageConfig, DockersConfigGivesWhatRunsTheContainer) {
  auto config = parseImageConfig(kDockerConfig, "blobs/sha256/cfg");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->entrypoint, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(config->cmd, (std::vector<std::string>{"-c", "echo hi"}));
  EXPECT_EQ(config->env.size(), 2u);
  EXPECT_EQ(config->env[1], "GREETING=a=b");
  EXPECT_EQ(config->workingDir, "/srv");
  EXPECT_EQ(config->user, "www:www");
  EXPECT_EQ(config->labels.at("org.opencontainers.image.title"), "web");
  EXPECT_EQ(config->exposedPorts, (std::vector<std::string>{"53/udp", "80/tcp"}));
  ASSERT_EQ(config->diffIds.size(), 2u);
  EXPECT_EQ(config->diffIds[0], "sha256:2e112031b4b923a873c8b3d685d48037e4d5ccd967b658743d93a6e56c3064b9");
  EXPECT_EQ(config->created, "2024-01-27T00:30:48.743965523Z");
  EXPECT_EQ(config->os, "linux");
  EXPECT_EQ(config->architecture, "amd64");
}

TEST(ImageConfig, AnImageOfNoLayersAndNothingToRunIsAConfigToo) {
  // umoci's `new` writes this: no config block's fields, an empty diff_ids.
  auto config = parseImageConfig(R"({"created":"2026-11-30T21:00:00Z","architecture":"amd64","os":"linux",
    "config":{},"rootfs":{"type":"layers","diff_ids":[]},"history":[]})");
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_TRUE(config->diffIds.empty());
  EXPECT_TRUE(config->cmd.empty());
  auto nulls = parseImageConfig(R"({"config":null,"rootfs":{"type":"layers","diff_ids":[]}})");
  ASSERT_TRUE(nulls) << nulls.error().message();
  auto nullFields = parseImageConfig(
      R"({"config":{"Entrypoint":null,"Cmd":null,"Env":null,"Labels":null,"ExposedPorts":null},"rootfs":{"type":"layers","diff_ids":[]}})");
  ASSERT_TRUE(nullFields) << nullFields.error().message();
}

TEST(ImageConfig, EachMalformedFieldIsRefusedNamingFileAndField) {
  struct Case {
    std::string json, says;
  };
  std::vector<Case> cases = {
      {R"({"config":{"Cmd":"echo hi"},"rootfs":{"type":"layers","diff_ids":[]}})",
       "`c.json`, field `config.Cmd`: is a string, expected an array of strings"},
      {R"({"config":{"Env":["A=1",2]},"rootfs":{"type":"layers","diff_ids":[]}})",
       "`c.json`, field `config.Env[1]`: is a number, expected a string"},
      {R"({"config":{"Env":["NOVALUE"]},"rootfs":{"type":"layers","diff_ids":[]}})",
       "`c.json`, field `config.Env[0]`: is `NOVALUE`, expected KEY=VALUE"},
      {R"({"config":{"Labels":{"a":1}},"rootfs":{"type":"layers","diff_ids":[]}})",
       "`c.json`, field `config.Labels.a`: is a number, expected a string"},
      {R"({"config":{"User":0},"rootfs":{"type":"layers","diff_ids":[]}})",
       "`c.json`, field `config.User`: is a number, expected a string"},
      {R"({"config":{}})", "`c.json`, field `rootfs`: is missing, expected an object"},
      {R"({"rootfs":{"type":"layers"}})", "`c.json`, field `rootfs.diff_ids`: is missing, expected an array"},
      {R"({"rootfs":{"type":"tarball","diff_ids":[]}})",
       "`c.json`, field `rootfs.type`: is `tarball`, expected `layers`"},
      {R"({"rootfs":{"type":"layers","diff_ids":["sha256:abc"]}})",
       "`c.json`, field `rootfs.diff_ids[0]`: is `sha256:abc`, expected a sha256 digest"},
      {R"({"rootfs":)", "`c.json`: is not valid JSON ("},
      {R"([1,2])", "`c.json`: is an array, expected an image config object"},
  };
  for (const auto& c : cases) {
    auto config = parseImageConfig(c.json, "c.json");
    ASSERT_FALSE(config) << c.json;
    EXPECT_NE(config.error().message().find(c.says), std::string::npos) << config.error().message();
  }
}

}  // namespace
}  // namespace agent::image

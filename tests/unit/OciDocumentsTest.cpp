// The OCI image-spec's index and manifest (image-index.md, manifest.md examples) and Docker's
// v2 schema 2 twins: descriptors read whole, anything malformed refused naming file and field.
#include "OciDocuments.h"

#include <gtest/gtest.h>

namespace agent::image {
namespace {

// image-index.md's example (digests made valid sha256), with an attestation manifest as
// Docker's buildx adds them.
constexpr std::string_view kIndex = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 7143,
     "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
     "platform": {"architecture": "ppc64le", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 7682,
     "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
     "platform": {"architecture": "amd64", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 566,
     "digest": "sha256:1f0c8a9b7d3f3c1f3b8e3e8c1d0b2a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
     "platform": {"architecture": "unknown", "os": "unknown"},
     "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
  ],
  "annotations": {"com.example.key1": "value1"}
})";

// manifest.md's example.
constexpr std::string_view kManifest = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 7023,
             "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
  "layers": [
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 32654,
     "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0"},
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 16724,
     "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b"},
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 73109,
     "digest": "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736"}
  ],
  "annotations": {"com.example.key1": "value1"}
})";

TEST(OciDocuments, TheSpecsIndexReadsWithPlatformsAndAnnotations) {
  auto index = parseOciIndex(kIndex, "index.json");
  ASSERT_TRUE(index) << index.error().message();
  ASSERT_EQ(index->manifests.size(), 3u);
  EXPECT_EQ(index->manifests[1].platform.architecture, "amd64");
  EXPECT_EQ(index->manifests[1].size, 7682);
  EXPECT_TRUE(index->manifests[2].hasPlatform);
  EXPECT_EQ(index->manifests[2].annotations.at("vnd.docker.reference.type"), "attestation-manifest");
  EXPECT_EQ(mediaKindOf(index->mediaType), MediaKind::index);
}

TEST(OciDocuments, TheSpecsManifestReadsWithItsLayersInOrder) {
  auto manifest = parseOciManifest(kManifest, "blobs/sha256/m");
  ASSERT_TRUE(manifest) << manifest.error().message();
  EXPECT_EQ(manifest->config.digest, "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7");
  ASSERT_EQ(manifest->layers.size(), 3u);
  EXPECT_EQ(manifest->layers[2].size, 73109);
  EXPECT_EQ(mediaKindOf(manifest->layers[0].mediaType), MediaKind::layer);
  auto empty = parseOciManifest(R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json",
      "size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]})",
                                "m");
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->layers.empty());
}

TEST(OciDocuments, MediaTypesOfOciAndDockerV2AreKnownAndOthersNot) {
  EXPECT_EQ(mediaKindOf("application/vnd.docker.distribution.manifest.list.v2+json"), MediaKind::index);
  EXPECT_EQ(mediaKindOf("application/vnd.docker.distribution.manifest.v2+json"), MediaKind::manifest);
  EXPECT_EQ(mediaKindOf("application/vnd.docker.container.image.v1+json"), MediaKind::config);
  EXPECT_EQ(mediaKindOf("application/vnd.docker.image.rootfs.diff.tar.gzip"), MediaKind::layer);
  EXPECT_EQ(mediaKindOf("application/vnd.oci.image.layer.v1.tar+zstd"), MediaKind::layer);
  EXPECT_EQ(mediaKindOf("application/vnd.oci.image.layer.v1.tar"), MediaKind::layer);
  EXPECT_EQ(mediaKindOf("application/vnd.docker.distribution.manifest.v1+prettyjws"), MediaKind::unknown);
  EXPECT_EQ(mediaKindOf("application/vnd.in-toto+json"), MediaKind::unknown);
  EXPECT_EQ(mediaKindOf("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"), MediaKind::unknown);
}

TEST(OciDocuments, MalformedDocumentsAreRefusedNamingFileAndField) {
  struct Case {
    std::string json, says;
  };
  const std::string cfg = R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,)";
  std::vector<Case> cases = {
      {R"({"schemaVersion":1,"manifests":[]})", "`f`, field `schemaVersion`: is 1, expected 2"},
      {R"({"manifests":[]})", "`f`, field `schemaVersion`: is missing"},
      {R"({"schemaVersion":2})", "`f`, field `manifests`: is missing, expected an array"},
      {R"({"schemaVersion":2,"manifests":[{"mediaType":"x","size":1,"digest":"sha512:ab"}]})",
       "`f`, field `manifests[0].digest`: is `sha512:ab`, expected a sha256 digest"},
      {R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}]})",
       "`f`, field `manifests[0].size`: is missing, expected a size in bytes"},
      {R"({"schemaVersion":2,"manifests":[{"mediaType":"x","size":-5,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}]})",
       "`f`, field `manifests[0].size`: is -5, expected a size in bytes"},
      {R"({"schemaVersion":2,"manifests":[{"mediaType":"x","size":1,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","platform":{"os":"linux"}}]})",
       "`f`, field `manifests[0].platform.architecture`: is missing, expected a string"},
      {R"({"schemaVersion":2,"manifests":"none"})", "`f`, field `manifests`: is a string, expected an array"},
      {"{\"schemaVersion\":2,", "`f`: is not valid JSON"},
  };
  for (const auto& c : cases) {
    auto index = parseOciIndex(c.json, "f");
    ASSERT_FALSE(index) << c.json;
    EXPECT_NE(index.error().message().find(c.says), std::string::npos) << index.error().message();
  }
  auto noConfig = parseOciManifest(R"({"schemaVersion":2,"layers":[]})", "m");
  ASSERT_FALSE(noConfig);
  EXPECT_NE(noConfig.error().message().find("`m`, field `config`: is missing, expected an object"), std::string::npos);
  auto badLayer = parseOciManifest(
      R"({"schemaVersion":2,)" + cfg +
          R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[7]})",
      "m");
  ASSERT_FALSE(badLayer);
  EXPECT_NE(badLayer.error().message().find("`m`, field `layers[0]`: is not an object, expected a descriptor"),
            std::string::npos)
      << badLayer.error().message();
}

TEST(OciDocuments, TheLayoutMarkerIsVersionOne) {
  EXPECT_TRUE(checkOciLayoutFile(R"({"imageLayoutVersion": "1.0.0"})", "oci-layout"));
  auto two = checkOciLayoutFile(R"({"imageLayoutVersion": "2.0.0"})", "oci-layout");
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message().find("`oci-layout`, field `imageLayoutVersion`: is `2.0.0`, expected 1.x"),
            std::string::npos);
}

}  // namespace
}  // namespace agent::image

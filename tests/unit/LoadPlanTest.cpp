// What planLoad finds in each format (legacy docker save, Docker >= 25, OCI layouts with
// nested indexes) over sources laid out as the specs say, and each refusal naming its file.
#include "LoadPlan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "MemoryBlobSource.h"

namespace agent::image {
namespace {

using nlohmann::json;

constexpr char kOciManifestType[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kOciIndexType[] = "application/vnd.oci.image.index.v1+json";

std::string configOf(const std::vector<std::string>& layers, const std::string& cmd = "sh") {
  json diffIds = json::array();
  for (const auto& layer : layers) diffIds.push_back(sha256Digest(layer));  // layers stored plain here
  return json{{"architecture", "amd64"},
              {"os", "linux"},
              {"config", {{"Cmd", {cmd}}, {"Env", {"PATH=/bin"}}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diffIds}}}}
      .dump();
}

json descriptor(const std::string& mediaType, const std::string& bytes, json extra = json::object()) {
  json d{{"mediaType", mediaType}, {"digest", sha256Digest(bytes)}, {"size", bytes.size()}};
  d.update(extra);
  return d;
}

// An OCI image (config, layers, manifest) stored as blobs; returns the manifest's bytes.
std::string ociImage(MemoryBlobSource& source, const std::vector<std::string>& layers, const std::string& cmd = "sh") {
  std::string config = configOf(layers, cmd);
  source.blob(config);
  json layerDescriptors = json::array();
  for (const auto& layer : layers) {
    source.blob(layer);
    layerDescriptors.push_back(descriptor("application/vnd.oci.image.layer.v1.tar", layer));
  }
  std::string manifest = json{
      {"schemaVersion", 2},
      {"mediaType", kOciManifestType},
      {"config", descriptor("application/vnd.oci.image.config.v1+json", config)},
      {"layers",
       layerDescriptors}}.dump();
  source.blob(manifest);
  return manifest;
}

void ociLayout(MemoryBlobSource& source, json manifests) {
  source.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  source.file("index.json", json{{"schemaVersion", 2}, {"mediaType", kOciIndexType}, {"manifests", manifests}}.dump());
}

std::string refusal(const MemoryBlobSource& source) {
  auto plan = planLoad(source);
  EXPECT_FALSE(plan);
  return plan ? "" : plan.error().message();
}

TEST(LoadPlan, LegacyDockerSaveIsReadThroughManifestJsonWithLinkedLayers) {
  MemoryBlobSource source;
  std::string config = configOf({"base", "top"}, "echo legacy");
  std::string configName = std::string(digestHex(sha256Digest(config))) + ".json";
  source.file(configName, config).file("aaa/layer.tar", "base").file("bbb/layer.tar", "top").file("aaa/json", "{}");
  source.file("manifest.json", json::array({{{"Config", configName},
                                             {"RepoTags", {"busybox:latest"}},
                                             {"Layers", {"aaa/layer.tar", "./bbb/layer.tar"}}}})
                                   .dump());
  source.file("repositories", R"({"busybox":{"latest":"bbb"}})");
  auto plan = planLoad(source);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->size(), 1u);
  const auto& image = (*plan)[0];
  EXPECT_EQ(image.format, "docker-archive");
  EXPECT_EQ(image.names, std::vector<std::string>{"busybox:latest"});
  EXPECT_EQ(image.configDigest, sha256Digest(config));
  EXPECT_EQ(image.configJson, config);
  EXPECT_EQ(image.config.cmd, std::vector<std::string>{"echo legacy"});
  ASSERT_EQ(image.layers.size(), 2u);
  EXPECT_EQ(image.layers[0].path, "aaa/layer.tar");
  EXPECT_EQ(image.layers[1].path, "bbb/layer.tar");
  EXPECT_EQ(image.layers[0].digest, "");  // the legacy layout names none
  EXPECT_EQ(image.layers[1].diffId, sha256Digest("top"));
}

TEST(LoadPlan, LegacyNamesComeFromRepositoriesWhenManifestJsonHasNone) {
  MemoryBlobSource source;
  std::string config = configOf({"base"});
  source.file("c.json", config).file("aaa/layer.tar", "base");
  source.file("manifest.json", R"([{"Config":"c.json","RepoTags":null,"Layers":["aaa/layer.tar"]}])");
  source.file("repositories", R"({"old":{"1":"aaa","2":"aaa"},"other":{"x":"ccc"}})");
  auto plan = planLoad(source);
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_EQ((*plan)[0].names, (std::vector<std::string>{"old:1", "old:2"}));
}

TEST(LoadPlan, Docker25ArchivesAreReadThroughManifestJsonIntoTheBlobsWithDigests) {
  MemoryBlobSource source;
  std::string manifest = ociImage(source, {"base", "middle", "top"}, "docker25");
  auto parsed = json::parse(manifest);
  std::string configPath = "blobs/sha256/" + std::string(digestHex(parsed["config"]["digest"].get<std::string>()));
  json layers = json::array();
  for (const auto& l : parsed["layers"])
    layers.push_back("blobs/sha256/" + std::string(digestHex(l["digest"].get<std::string>())));
  ociLayout(source, json::array({descriptor(kOciManifestType, manifest,
                                            {{"annotations",
                                              {{"io.containerd.image.name", "docker.io/library/web:1"},
                                               {"org.opencontainers.image.ref.name", "1"}}}})}));
  source.file("manifest.json",
              json::array({{{"Config", configPath}, {"RepoTags", {"web:1"}}, {"Layers", layers}}}).dump());
  auto plan = planLoad(source);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->size(), 1u);
  const auto& image = (*plan)[0];
  EXPECT_EQ(image.format, "docker-archive-oci");
  EXPECT_EQ(image.names, std::vector<std::string>{"web:1"});
  EXPECT_EQ(image.config.cmd, std::vector<std::string>{"docker25"});
  ASSERT_EQ(image.layers.size(), 3u);
  EXPECT_EQ(image.layers[2].digest, sha256Digest("top"));
  EXPECT_EQ(image.layers[2].path, "blobs/sha256/" + std::string(digestHex(sha256Digest("top"))));

  // Without RepoTags, the names come from `repositories`, keyed by the top layer's diff_id.
  source.file("manifest.json",
              json::array({{{"Config", configPath}, {"RepoTags", nullptr}, {"Layers", layers}}}).dump());
  source.file("repositories", json{{"web", {{"1", std::string(digestHex(sha256Digest("top")))}}}}.dump());
  auto untagged = planLoad(source);
  ASSERT_TRUE(untagged) << untagged.error().message();
  EXPECT_EQ((*untagged)[0].names, std::vector<std::string>{"web:1"});

  // A config changed after saving no longer matches the name Docker gave it.
  source.file(configPath, configOf({"base", "middle", "top"}, "changed"));
  auto changed = refusal(source);
  EXPECT_NE(changed.find("`" + configPath + "` has digest "), std::string::npos) << changed;
  EXPECT_NE(changed.find("where `manifest.json` entry 0 says " + parsed["config"]["digest"].get<std::string>()),
            std::string::npos)
      << changed;
}

TEST(LoadPlan, AnOciLayoutGivesEachTaggedImageWithItsAnnotatedName) {
  MemoryBlobSource source;
  std::string one = ociImage(source, {"base", "app"}, "one");
  std::string two = ociImage(source, {"base"}, "two");
  ociLayout(
      source,
      json::array(
          {descriptor(kOciManifestType, one, {{"annotations", {{"org.opencontainers.image.ref.name", "v1"}}}}),
           descriptor(kOciManifestType, one, {{"annotations", {{"org.opencontainers.image.ref.name", "latest"}}}}),
           descriptor(kOciManifestType, two)}));
  auto plan = planLoad(source);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->size(), 2u);  // two tags of one image are one image
  EXPECT_EQ((*plan)[0].format, "oci-layout");
  EXPECT_EQ((*plan)[0].names, (std::vector<std::string>{"v1", "latest"}));
  EXPECT_EQ((*plan)[0].layers.size(), 2u);
  EXPECT_EQ((*plan)[0].layers[0].digest, sha256Digest("base"));
  EXPECT_EQ((*plan)[0].layers[1].diffId, sha256Digest("app"));
  EXPECT_TRUE((*plan)[1].names.empty());
  EXPECT_EQ((*plan)[1].config.cmd, std::vector<std::string>{"two"});
}

TEST(LoadPlan, NestedIndexesAreWalkedToTheLinuxAmd64Manifest) {
  // containerd's store: index.json -> the image's index -> a manifest per platform and
  // attestation manifests for unknown/unknown.
  MemoryBlobSource source;
  std::string arm = ociImage(source, {"arm-base"}, "arm");
  std::string amd = ociImage(source, {"amd-base", "amd-top"}, "amd");
  std::string attestation = ociImage(source, {}, "attestation");
  std::string inner =
      json{{"schemaVersion", 2},
           {"mediaType", kOciIndexType},
           {"manifests",
            {descriptor(kOciManifestType, arm,
                        {{"platform", {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}}}),
             descriptor(kOciManifestType, amd, {{"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}),
             descriptor(kOciManifestType, attestation,
                        {{"platform", {{"os", "unknown"}, {"architecture", "unknown"}}}})}}}
          .dump();
  source.blob(inner);
  ociLayout(source, json::array({descriptor(kOciIndexType, inner,
                                            {{"annotations",
                                              {{"io.containerd.image.name", "docker.io/library/alpine:3.19"},
                                               {"org.opencontainers.image.ref.name", "3.19"}}}})}));
  auto plan = planLoad(source);
  ASSERT_TRUE(plan) << plan.error().message();
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0].names, std::vector<std::string>{"docker.io/library/alpine:3.19"});
  EXPECT_EQ((*plan)[0].config.cmd, std::vector<std::string>{"amd"});
  EXPECT_EQ((*plan)[0].layers.size(), 2u);
}

TEST(LoadPlan, WithoutALinuxAmd64ManifestTheIndexIsRefusedSayingWhatItHas) {
  MemoryBlobSource source;
  std::string arm = ociImage(source, {"arm-base"}, "arm");
  std::string inner =
      json{{"schemaVersion", 2},
           {"manifests",
            {descriptor(kOciManifestType, arm,
                        {{"platform", {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}}}),
             descriptor(kOciManifestType, arm, {{"platform", {{"os", "linux"}, {"architecture", "s390x"}}}})}}}
          .dump();
  std::string innerDigest = source.blob(inner);
  ociLayout(source, json::array({descriptor(kOciIndexType, inner)}));
  EXPECT_NE(refusal(source).find("the index `blobs/sha256/" + std::string(digestHex(innerDigest)) +
                                 "` has no manifest for linux/amd64 (it has: linux/arm64/v8, linux/s390x)"),
            std::string::npos)
      << refusal(source);
  // At the top, entries of other platforms are left out; none left is refused too.
  ociLayout(
      source,
      json::array({descriptor(kOciManifestType, arm, {{"platform", {{"os", "linux"}, {"architecture", "arm64"}}}})}));
  EXPECT_NE(refusal(source).find("`index.json` has no image for linux/amd64 (it has: linux/arm64)"), std::string::npos);
}

TEST(LoadPlan, AManifestWithZeroLayersIsAnImageWithNone) {
  MemoryBlobSource source;
  std::string empty = ociImage(source, {}, "nothing");
  ociLayout(source, json::array({descriptor(kOciManifestType, empty)}));
  auto plan = planLoad(source);
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_TRUE((*plan)[0].layers.empty());
  EXPECT_TRUE((*plan)[0].config.diffIds.empty());
}

TEST(LoadPlan, DamagedOrMissingBlobsAreRefusedNamingTheFile) {
  MemoryBlobSource source;
  std::string manifest = ociImage(source, {"base", "top"});
  ociLayout(source, json::array({descriptor(kOciManifestType, manifest)}));
  std::string topPath = blobPathOf(sha256Digest("top"));
  std::string manifestPath = blobPathOf(sha256Digest(manifest));
  ASSERT_TRUE(planLoad(source));

  source.file(topPath, "to");  // truncated
  EXPECT_EQ(refusal(source), "layer `" + topPath + "` has 2 bytes where the manifest `" + manifestPath +
                                 "` says 3; the image source is truncated or damaged: save it again");
  source.remove(topPath);
  EXPECT_EQ(refusal(source), "layer `" + topPath + "` (named by the manifest `" + manifestPath +
                                 "`) is missing from the image source; it is incomplete");
  source.blob("top");

  auto parsed = json::parse(manifest);
  std::string configPath = blobPathOf(parsed["config"]["digest"].get<std::string>());
  std::string config = *source.read(configPath, 1 << 20);
  source.file(configPath, std::string(config).replace(config.find("sh"), 2, "xx"));  // same size, other bytes
  EXPECT_NE(refusal(source).find("`" + configPath + "` has digest "), std::string::npos) << refusal(source);
  source.file(configPath, config);

  source.file(manifestPath, manifest + " ");  // a manifest that is not the one index.json names
  EXPECT_NE(refusal(source).find("`" + manifestPath + "` has " + std::to_string(manifest.size() + 1) +
                                 " bytes where `index.json` entry 0 says " + std::to_string(manifest.size())),
            std::string::npos)
      << refusal(source);
  source.remove(manifestPath);
  EXPECT_NE(refusal(source).find("`" + manifestPath + "` (named by `index.json` entry 0) is missing"),
            std::string::npos);
}

TEST(LoadPlan, UnknownMediaTypesAreRefusedByName) {
  MemoryBlobSource source;
  std::string artifact =
      json{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.artifact.manifest.v1+json"}}.dump();
  source.blob(artifact);
  ociLayout(source, json::array({descriptor("application/vnd.oci.artifact.manifest.v1+json", artifact)}));
  EXPECT_NE(refusal(source).find("`index.json` entry 0 names `" + blobPathOf(sha256Digest(artifact)) +
                                 "` of media type `application/vnd.oci.artifact.manifest.v1+json`, expected an image "
                                 "manifest or index"),
            std::string::npos)
      << refusal(source);

  std::string layer = "foreign";
  std::string config = configOf({layer});
  source.blob(config);
  source.blob(layer);
  std::string manifest =
      json{{"schemaVersion", 2},
           {"config", descriptor("application/vnd.oci.image.config.v1+json", config)},
           {"layers", {descriptor("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", layer)}}}
          .dump();
  source.blob(manifest);
  ociLayout(source, json::array({descriptor(kOciManifestType, manifest)}));
  EXPECT_NE(refusal(source).find(
                "of media type `application/vnd.docker.image.rootfs.foreign.diff.tar.gzip`, expected a layer"),
            std::string::npos)
      << refusal(source);
}

TEST(LoadPlan, LayersAndDiffIdsMustAgreeInNumber) {
  MemoryBlobSource source;
  std::string config = configOf({"base"});
  source.file("c.json", config).file("a/layer.tar", "base").file("b/layer.tar", "top");
  source.file("manifest.json", R"([{"Config":"c.json","RepoTags":["x:1"],"Layers":["a/layer.tar","b/layer.tar"]}])");
  EXPECT_EQ(refusal(source),
            "the image config `c.json` lists 1 layers (rootfs.diff_ids) where its manifest lists 2; "
            "the image is inconsistent and is not loaded");
}

TEST(LoadPlan, PathsThatEscapeTheSourceAreRefused) {
  MemoryBlobSource source;
  source.file("c.json", configOf({"base"})).file("a/layer.tar", "base");
  for (std::string layer : {"../a/layer.tar", "a/../../layer.tar", "/etc/passwd", ""}) {
    source.file("manifest.json", json::array({{{"Config", "c.json"}, {"Layers", {layer}}}}).dump());
    auto says = refusal(source);
    EXPECT_NE(says.find("`manifest.json` names the path `" + layer + "`"), std::string::npos) << says;
  }
  source.file("manifest.json", R"([{"Config":"../c.json","Layers":[]}])");
  EXPECT_NE(refusal(source).find("climbs out with `..`"), std::string::npos);
}

TEST(LoadPlan, WhatIsNoImageIsRefusedSayingWhatWasLookedFor) {
  MemoryBlobSource source;
  source.file("README", "hello");
  EXPECT_EQ(refusal(source),
            "this is not an image: it holds neither `manifest.json` (docker save) nor `oci-layout` "
            "and `index.json` (an OCI image layout)");
  source.file("index.json", R"({"schemaVersion":2,"manifests":[]})");
  EXPECT_EQ(refusal(source),
            "`index.json` is there but `oci-layout` is not: an OCI image layout has both "
            "(image-layout.md); the source is incomplete");
  source.remove("index.json");
  source.file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  EXPECT_EQ(refusal(source),
            "`oci-layout` is there but `index.json` is not: an OCI image layout has both "
            "(image-layout.md); the source is incomplete");
  source.file("index.json", R"({"schemaVersion":2,"manifests":[]})");
  EXPECT_EQ(refusal(source), "`index.json` lists no image; there is nothing to load");
  source.file("manifest.json", "[]");
  EXPECT_EQ(refusal(source), "`manifest.json` lists no image; there is nothing to load");
  source.file("manifest.json", R"({"schemaVersion":2})");
  EXPECT_NE(refusal(source).find("`manifest.json`: is an object, expected docker save's manifest.json"),
            std::string::npos);
}

}  // namespace
}  // namespace agent::image

// Image references as Docker reads them, and what a layered image's config gives a container.
#include <gtest/gtest.h>

#include "ContainerUser.h"
#include "ImageDefaults.h"
#include "ImageReference.h"

namespace agent {
namespace {

TEST(ImageReference, RepositoryAndTagAsDockerSplitsThem) {
  EXPECT_EQ(image::parseImageReference("busybox")->text(), "busybox:latest");
  EXPECT_EQ(image::parseImageReference("busybox:1.36")->tag, "1.36");
  auto withPort = image::parseImageReference("registry:5000/team/app");
  ASSERT_TRUE(withPort);
  EXPECT_EQ(withPort->repository, "registry:5000/team/app");
  EXPECT_EQ(withPort->tag, "latest");
  EXPECT_EQ(image::parseImageReference("registry:5000/team/app:v2")->tag, "v2");
  EXPECT_EQ(image::normalizedReference("app"), "app:latest");
  // Docker Hub's full names are kept as docker shows them (skopeo writes them in full).
  EXPECT_EQ(image::normalizedReference("docker.io/library/app:v1"), "app:v1");
  EXPECT_EQ(image::normalizedReference("docker.io/team/app"), "team/app:latest");
  EXPECT_EQ(image::normalizedReference("index.docker.io/library/busybox"), "busybox:latest");
  EXPECT_EQ(image::normalizedReference("quay.io/library/app"), "quay.io/library/app:latest");
}

TEST(ImageReference, WhatDockerRefusesIsRefused) {
  for (const char* bad : {"", "Busybox", "busybox:", ":tag", "a//b", "/a", "app:-x", "app@sha256:00", "a b"})
    EXPECT_FALSE(image::parseImageReference(bad)) << bad;
  EXPECT_FALSE(image::parseImageReference("app:" + std::string(129, 't')));
  // distribution/reference's path components: no "..", nothing that starts or ends with a separator.
  for (const char* bad : {"../busybox", ".hidden", "team/../app", "a..b", "a.-b", "-a", "a-", "a___b", "x/a:b/c"})
    EXPECT_FALSE(image::parseImageReference(bad)) << bad;
  for (const char* good : {"my_app", "a__b", "a---b", "a.b", "localhost/x", "docker.io/library/busybox:1.36",
                           "registry:5000/team/app", "my-registry.example/app"})
    EXPECT_TRUE(image::parseImageReference(good)) << good;
}

TEST(ImageDefaults, EntrypointAndCmdAsDockerCombinesThem) {
  image::ImageConfig config;
  config.entrypoint = {"/entry"};
  config.cmd = {"--serve"};
  EXPECT_EQ(container::applyImageConfig(config, {}, "x")->args, (std::vector<std::string>{"/entry", "--serve"}));
  EXPECT_EQ(container::applyImageConfig(config, {{"--once"}, {}, {}, {}, {}}, "x")->args,
            (std::vector<std::string>{"/entry", "--once"}));
  config.entrypoint.clear();
  EXPECT_EQ(container::applyImageConfig(config, {{"sh"}, {}, {}, {}, {}}, "x")->args, (std::vector<std::string>{"sh"}));
  config.cmd.clear();
  auto none = container::applyImageConfig(config, {}, "x");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("no Entrypoint or Cmd"), std::string::npos);
}

// --entrypoint and --user as docker run applies them (moby's daemon merges the configs so).
TEST(ImageDefaults, TheRunsEntrypointReplacesTheImagesAndItsCmdAndTheRunsUserWins) {
  image::ImageConfig config;
  config.entrypoint = {"/entry"};
  config.cmd = {"--serve"};
  config.user = "app";
  auto with = [&](std::optional<std::vector<std::string>> entrypoint, std::vector<std::string> args) {
    container::ImageDefaultsInput run;
    run.args = std::move(args);
    run.entrypoint = std::move(entrypoint);
    return container::applyImageConfig(config, run, "x")->args;
  };
  using Args = std::vector<std::string>;
  EXPECT_EQ(with(Args{"/bin/sh"}, {}), (Args{"/bin/sh"}));  // the image's Cmd is dropped
  EXPECT_EQ(with(Args{"/bin/sh"}, {"-c", "id"}), (Args{"/bin/sh", "-c", "id"}));
  EXPECT_EQ(with(Args{}, {}), (Args{"--serve"}));  // --entrypoint "": the Cmd alone
  EXPECT_EQ(with(Args{}, {"ls"}), (Args{"ls"}));
  EXPECT_EQ(with(std::nullopt, {"ls"}), (Args{"/entry", "ls"}));
  container::ImageDefaultsInput run;
  EXPECT_EQ(container::applyImageConfig(config, run, "x")->user, "app");
  run.user = "0:0";
  EXPECT_EQ(container::applyImageConfig(config, run, "x")->user, "0:0");
}

TEST(ImageDefaults, TheRunsEnvAndLabelsWinPerNameAndWorkingDirIsFromRoot) {
  image::ImageConfig config;
  config.cmd = {"sh"};
  config.env = {"PATH=/opt/bin", "MODE=image"};
  config.labels = {{"team", "core"}, {"tier", "image"}};
  config.workingDir = "srv";
  auto applied = container::applyImageConfig(config, {{}, {"MODE=run"}, {{"tier", "run"}}, {}, {}}, "x");
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->env, (std::vector<std::string>{"PATH=/opt/bin", "MODE=run"}));
  EXPECT_EQ(applied->labels.at("team"), "core");
  EXPECT_EQ(applied->labels.at("tier"), "run");
  EXPECT_EQ(applied->cwd, "/srv");
}

TEST(ContainerUser, NamesAndNumbersFromTheImagesOwnFiles) {
  const std::string passwd = "root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000::/srv/web:/bin/sh\n";
  const std::string group = "root:x:0:\nweb:x:1000:\nlog:x:4:web,other\nwheel:x:10:other\n";
  auto web = container::resolveContainerUser("web", passwd, group);
  ASSERT_TRUE(web);
  EXPECT_EQ(web->uid, 1000u);
  EXPECT_EQ(web->gid, 1000u);
  EXPECT_EQ(web->home, "/srv/web");
  EXPECT_EQ(web->groups, (std::vector<gid_t>{4}));
  auto numeric = container::resolveContainerUser("1234:log", passwd, group);
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->uid, 1234u);
  EXPECT_EQ(numeric->gid, 4u);
  EXPECT_EQ(container::resolveContainerUser("1000", passwd, group)->home, "/srv/web");
  EXPECT_FALSE(container::resolveContainerUser("nosuch", passwd, group));
  EXPECT_FALSE(container::resolveContainerUser("web:nosuch", passwd, group));
  EXPECT_FALSE(container::resolveContainerUser("", passwd, group));
}

}  // namespace
}  // namespace agent

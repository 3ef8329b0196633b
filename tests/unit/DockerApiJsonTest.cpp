// Docker Engine API answers as Debian's docker.io 20.10 (API 1.41) wrote them for `docker run
// --name web -l tier=web -l com.docker.compose.service=web ... busybox:latest` and `docker
// run --name db --memory 64m busybox` (tests/unit/fixtures/docker/), and the ways a broken or
// odd answer is refused or read.
#include <gtest/gtest.h>

#include "DockerApiJson.h"
#include "FixtureTree.h"

namespace agent::collectors::engines {
namespace {

using agent::fixture::capturedText;

const std::string kWeb = "7f54205e0765b36223c6c9c6928548aee5151ee107988aeed2eb799e876fc0bc";
const std::string kDb = "280b6d810bca98f6c8ee6af19b3722df563f47a99ae8a17e3169c8625419a5cf";

TEST(DockerApiJson, TheListingGivesEveryFullId) {
  auto ids = parseContainerIds(capturedText("docker/containers-list.json"));
  ASSERT_TRUE(ids) << ids.error().message();
  EXPECT_EQ(*ids, (std::vector<std::string>{kDb, kWeb}));
  auto none = parseContainerIds("[]");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(DockerApiJson, InspectGivesNameWithoutSlashImageAsWrittenLabelsAndUpperDir) {
  auto web = parseContainerInspect(capturedText("docker/inspect-web.json"), Engine::Docker);
  ASSERT_TRUE(web) << web.error().message();
  EXPECT_EQ(web->engine, Engine::Docker);
  EXPECT_EQ(web->id, kWeb);
  EXPECT_EQ(web->name, "web");
  EXPECT_EQ(web->image, "busybox:latest");  // Config.Image, not the sha256 of `Image`
  EXPECT_EQ(web->labels,
            (std::map<std::string, std::string>{
                {"com.docker.compose.project", "shop"}, {"com.docker.compose.service", "web"}, {"tier", "web"}}));
  EXPECT_TRUE(
      web->upperDir.ends_with("/data/overlay2/c951bb6a55b9e0f893aee19032499ccc954e3b47212bb1e5c3ed9f05bcc3350a/diff"))
      << web->upperDir;
  EXPECT_TRUE(web->limitsByApi);

  auto db = parseContainerInspect(capturedText("docker/inspect-db.json"), Engine::Podman);
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_EQ(db->engine, Engine::Podman);
  EXPECT_EQ(db->name, "db");
  EXPECT_EQ(db->image, "busybox");  // as written: no tag added
  EXPECT_TRUE(db->labels.empty());
}

TEST(DockerApiJson, NullLabelsAndAnotherStorageDriverAreEmptyNotErrors) {
  std::string id(64, 'a');
  auto c = parseContainerInspect(R"({"Id":")" + id +
                                     R"(","Name":"/x","Config":{"Image":"alpine","Labels":null},)"
                                     R"("GraphDriver":{"Name":"vfs","Data":null}})",
                                 Engine::Docker);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->name, "x");
  EXPECT_TRUE(c->labels.empty());
  EXPECT_EQ(c->upperDir, "");
}

TEST(DockerApiJson, BrokenAnswersAreRefusedSayingWhatWasWrong) {
  std::string id(64, 'a');
  struct Case {
    std::string json;
    std::string says;
  };
  for (const auto& [json, says] : std::vector<Case>{
           {"", "not a JSON object"},
           {"[1]", "not a JSON object"},
           {R"({"Id":"abc"})", "`Id` is not 64 hex digits"},
           {R"({"Id":")" + std::string(64, 'A') + R"("})", "`Id` is not 64 hex digits"},
           {R"({"Id":")" + id + R"(","Name":3})", "`Name` is not a string"},
           {R"({"Id":")" + id + R"(","Config":{"Image":["x"]}})", "`Config.Image` is not a string"},
           {R"({"Id":")" + id + R"(","Config":{"Labels":{"a":1}}})", "label \"a\" is not a string"},
           {R"({"Id":")" + id + R"(","Config":"x"})", "is not an object"},
       }) {
    auto c = parseContainerInspect(json, Engine::Docker);
    ASSERT_FALSE(c) << json;
    EXPECT_NE(c.error().message().find(says), std::string::npos) << json << " -> " << c.error().message();
  }
  EXPECT_FALSE(parseContainerIds("{}"));
  EXPECT_FALSE(parseContainerIds(R"([{"Id":"short"}])"));
  EXPECT_FALSE(parseContainerIds(R"([{"Names":["/x"]}])"));
}

TEST(DockerApiJson, EventsSayTypeActionAndId) {
  std::vector<EngineEvent> events;
  std::string text = capturedText("docker/events.jsonl");
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    auto event = parseEvent(std::string_view(text).substr(start, end - start));
    ASSERT_TRUE(event) << event.error().message();
    events.push_back(*event);
  }
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0], (EngineEvent{"container", "rename", kWeb}));
  const std::string tmp = "c7fcb2c89b698834c52978342e497d95c32976cc47301f5a720358528efc8189";
  EXPECT_EQ(events[2], (EngineEvent{"container", "create", tmp}));
  EXPECT_EQ(events[5], (EngineEvent{"container", "destroy", tmp}));
  // The fields of API versions before 1.22, which podman's compat stream also sends.
  auto old = parseEvent(R"({"status":"destroy","id":")" + kDb + R"("})");
  ASSERT_TRUE(old);
  EXPECT_EQ(*old, (EngineEvent{"", "destroy", kDb}));
  EXPECT_FALSE(parseEvent("not json"));
  EXPECT_FALSE(parseEvent(R"({"Type":"container","Actor":[]})"));
}

}  // namespace
}  // namespace agent::collectors::engines

namespace agent::collectors::engines {
namespace {

// podman 4.3's Docker-compatible answers (tests/unit/data/engines/, a private podman):
// the same reader gives its name, image and labels; its limits stay with the cgroup files
// (its compat update answers 404), and its removal event is `remove`, not `destroy`.
TEST(DockerApiJson, PodmansCompatibleAnswersReadAsDockersButItsLimitsAreNotTheApis) {
  auto web = parseContainerInspect(capturedText("../data/engines/podman-inspect.json"), Engine::Podman);
  ASSERT_TRUE(web) << web.error().message();
  EXPECT_EQ(web->engine, Engine::Podman);
  EXPECT_EQ(web->name, "web3");
  EXPECT_EQ(web->image, "localhost/busybox:latest");
  EXPECT_EQ(web->labels.at("tier"), "web");
  EXPECT_NE(web->upperDir.find("/overlay/"), std::string::npos) << web->upperDir;
  EXPECT_FALSE(web->limitsByApi);
  auto docker = parseContainerInspect(capturedText("docker/inspect-web.json"), Engine::Docker);
  ASSERT_TRUE(docker);
  EXPECT_TRUE(docker->limitsByApi);
  bool removal = false;
  std::string events = capturedText("../data/engines/podman-events.txt");
  for (size_t at = 0, end; at < events.size(); at = end + 1) {
    end = events.find('\n', at);
    if (end == std::string::npos) end = events.size();
    auto event = parseEvent(std::string_view(events).substr(at, end - at));
    if (event && event->type == "container" && event->action == "remove") removal = true;
  }
  EXPECT_TRUE(removal) << "podman's stream has no `remove` event to erase a container by";
}

}  // namespace
}  // namespace agent::collectors::engines

#include <gtest/gtest.h>

#include "EngineDirectory.h"

using namespace agent::collectors::engines;

namespace {
EngineContainer container(Engine engine, std::string id, std::string name) {
  EngineContainer c;
  c.engine = engine;
  c.id = std::move(id);
  c.name = std::move(name);
  return c;
}
}  // namespace

TEST(EngineDirectory, AReaderKeepsItsMapWhileWritersChangeTheDirectory) {
  EngineDirectory directory;
  directory.upsert(container(Engine::Docker, "a1", "web"));
  auto before = directory.current();
  directory.upsert(container(Engine::Docker, "a1", "web-renamed"));
  EXPECT_EQ(before->at("a1").name, "web");
  EXPECT_EQ(directory.current()->at("a1").name, "web-renamed");
}

TEST(EngineDirectory, AFullListingReplacesOnlyItsOwnEnginesContainers) {
  EngineDirectory directory;
  directory.upsert(container(Engine::Docker, "d1", "old"));
  directory.upsert(container(Engine::Podman, "p1", "pod-web"));
  uint64_t generation = directory.generation();
  directory.replaceAll(Engine::Docker, {container(Engine::Docker, "d2", "new")});
  auto now = directory.current();
  EXPECT_FALSE(now->count("d1"));
  EXPECT_EQ(now->at("d2").name, "new");
  EXPECT_EQ(now->at("p1").name, "pod-web");
  EXPECT_GT(directory.generation(), generation);
}

TEST(EngineDirectory, ErasingAnUnknownIdChangesNothing) {
  EngineDirectory directory;
  directory.upsert(container(Engine::Docker, "d1", "web"));
  uint64_t generation = directory.generation();
  directory.erase("zz");
  EXPECT_EQ(directory.generation(), generation);
  directory.erase("d1");
  EXPECT_TRUE(directory.current()->empty());
}

// Only a full listing says which containers an engine has; an event about one says nothing of
// the others.
TEST(EngineDirectory, AnEngineIsListedAfterItsFirstFullListingOnly) {
  EngineDirectory directory;
  directory.upsert(container(Engine::Docker, "d1", "web"));
  EXPECT_FALSE(directory.listed(Engine::Docker));
  directory.replaceAll(Engine::Docker, {});
  EXPECT_TRUE(directory.listed(Engine::Docker));
  EXPECT_FALSE(directory.listed(Engine::Podman));
}

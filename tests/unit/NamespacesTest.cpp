#include <gtest/gtest.h>

#include "FixtureTree.h"
#include "Namespaces.h"

using namespace agent::ns;

TEST(Namespaces, ParsesLinkTargets) {
  auto id = parseNamespaceLink("net:[4026531840]");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->type, "net");
  EXPECT_EQ(id->inode, 4026531840u);
  EXPECT_TRUE(parseNamespaceLink("pid_for_children:[4026532001]"));
  EXPECT_FALSE(parseNamespaceLink("net:[]"));
  EXPECT_FALSE(parseNamespaceLink("net:4026531840"));
  EXPECT_FALSE(parseNamespaceLink(":[1]"));
  EXPECT_FALSE(parseNamespaceLink("/dev/null"));
}

TEST(Namespaces, ReadsLinksFromFixtureTree) {
  agent::fixture::FixtureTree tree;
  tree.dir("proc/9/ns").symlink("mnt:[4026531841]", "proc/9/ns/mnt").symlink("net:[4026532000]", "proc/9/ns/net");
  tree.symlink("pid:[4026531836]", "proc/9/ns/pid_for_children");
  auto ids = readNamespaces(tree.path("proc"), 9);
  ASSERT_TRUE(ids) << ids.error().message();
  ASSERT_EQ(ids->size(), 3u);
  EXPECT_EQ((*ids)[0], (NamespaceId{"mnt", 4026531841}));
  EXPECT_EQ((*ids)[1], (NamespaceId{"net", 4026532000}));
  EXPECT_EQ((*ids)[2], (NamespaceId{"pid_for_children", 4026531836}));
}

TEST(Namespaces, MissingProcessIsGone) {
  agent::fixture::FixtureTree tree;
  tree.dir("proc");
  auto ids = readNamespaces(tree.path("proc"), 12345);
  ASSERT_FALSE(ids);
  EXPECT_TRUE(ids.error().isGone());
}

TEST(Namespaces, OwnProcessHasEveryCoreNamespace) {
  auto ids = readNamespaces("/proc", 0);
  ASSERT_TRUE(ids) << ids.error().message();
  for (const char* type : {"ipc", "mnt", "net", "pid", "user", "uts"}) {
    bool found = false;
    for (const auto& id : *ids) found |= id.type == type && id.inode != 0;
    EXPECT_TRUE(found) << type;
  }
}

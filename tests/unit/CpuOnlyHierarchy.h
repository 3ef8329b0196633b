#pragma once
// A v1 hierarchy of a fixture tree with only the cpu controller mounted (at TREE/cg/cpu) and
// 4 KiB pages: what the limit service's and the reconciler's unit tests write through.
#include <gtest/gtest.h>

#include "FixtureTree.h"
#include "Hierarchy.h"
#include "Mountinfo.h"

namespace agent::fixture {

inline cgroup::Hierarchy cpuOnlyHierarchy(FixtureTree& tree) {
  tree.dir("cg/cpu");
  auto h = cgroup::Hierarchy::fromMounts(
      proc::parseMountinfo("40 31 0:40 / " + tree.path("cg/cpu") + " rw - cgroup cgroup rw,cpu\n"), tree.path("cg"),
      false, "");
  EXPECT_TRUE(h);
  h->setPageSize(4096);
  return *h;
}

}  // namespace agent::fixture

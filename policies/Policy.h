#pragma once
// Policies as plain data (SPEC.md "Policy files"), after loading and validation: what the
// resolver (Desired.h) reads. The loader (PolicyLoader.h) is the only way in.
#include <map>
#include <string>
#include <vector>

#include "LimitSet.h"

namespace agent::policies {

struct PolicyMatch {
  std::vector<std::string> names;             // fnmatch globs on the container's name
  std::map<std::string, std::string> labels;  // exact values
  std::vector<std::string> cgroups;           // fnmatch globs on the cgroup path
};

struct Policy {
  std::string name;
  int priority = 0;
  PolicyMatch match;
  LimitSet limits;    // defaults for matching containers
  LimitSet max;       // ceilings: nothing above, from any source
  std::string where;  // file:line:column of the policy, for messages
  // `security: {seccomp: required}`: matching containers may not run unconfined.
  bool seccompRequired = false;
};

// Every policy of the policy directory, ordered by priority (highest first), then name.
struct PolicySet {
  std::vector<Policy> policies;
  std::vector<std::string> files;  // the files it came from
};

// What a policy is matched against.
struct ContainerFacts {
  std::string name;
  std::map<std::string, std::string> labels;
  std::string cgroupPath;
  // False for a cgroup no runtime claims (found by path): only policies that match by
  // `cgroups:` apply to it, so that `names: ["*"]` does not reach every group of the host.
  bool container = true;
};

// Every given key of the match must hold: any of the name globs, all the labels, any of the
// cgroup globs.
bool matches(const PolicyMatch& match, const ContainerFacts& container);

// The first policy (in the set's order) that requires a seccomp profile of `container`;
// none when no matching policy does.
const Policy* policyRequiringSeccomp(const PolicySet& set, const ContainerFacts& container);

}  // namespace agent::policies

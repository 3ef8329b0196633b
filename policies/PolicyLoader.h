#pragma once
// Policy files -> PolicySet, in two steps as oomd splits ConfigTypes from ConfigCompiler:
// yaml-cpp turns each file into plain structs, then validation checks names, quantities,
// matches and duplicates. Every error carries file:line:column and says what is accepted;
// all errors of a set are reported, not only the first.
#include <string>
#include <vector>

#include "Policy.h"

namespace agent::policies {

struct PolicyFile {
  std::string path;  // shown in messages
  std::string text;
};

struct LoadedPolicies {
  PolicySet set;
  std::vector<std::string> errors;  // "file:line:column: what is wrong"; empty when valid
  bool ok() const { return errors.empty(); }
};

// `hostCpus` bounds cpu quantities as everywhere else.
LoadedPolicies loadPolicies(const std::vector<PolicyFile>& files, unsigned hostCpus);
// Every *.yaml and *.yml file of `dir`, in name order. A missing directory is an empty set.
LoadedPolicies loadPolicyDir(const std::string& dir, unsigned hostCpus);

}  // namespace agent::policies

#include "SeccompProfile.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "MessageText.h"

namespace agent::seccomp {

using nlohmann::json;

namespace {

constexpr std::pair<const char*, Action> kActions[] = {{"SCMP_ACT_ALLOW", Action::Allow},
                                                       {"SCMP_ACT_ERRNO", Action::Errno},
                                                       {"SCMP_ACT_KILL", Action::KillThread},
                                                       {"SCMP_ACT_KILL_THREAD", Action::KillThread},
                                                       {"SCMP_ACT_KILL_PROCESS", Action::KillProcess},
                                                       {"SCMP_ACT_TRAP", Action::Trap},
                                                       {"SCMP_ACT_TRACE", Action::Trace},
                                                       {"SCMP_ACT_LOG", Action::Log}};
constexpr std::pair<const char*, Compare> kCompares[] = {
    {"SCMP_CMP_NE", Compare::NotEqual},          {"SCMP_CMP_LT", Compare::Less},
    {"SCMP_CMP_LE", Compare::LessOrEqual},       {"SCMP_CMP_EQ", Compare::Equal},
    {"SCMP_CMP_GE", Compare::GreaterOrEqual},    {"SCMP_CMP_GT", Compare::Greater},
    {"SCMP_CMP_MASKED_EQ", Compare::MaskedEqual}};

// Thrown inside the parser, turned into the one EINVAL at its end.
struct Refusal {
  std::string where, what;
};

template <size_t N, typename T>
std::string namesOf(const std::pair<const char*, T> (&table)[N]) {
  std::string out;
  for (const auto& [name, value] : table) out += std::string(out.empty() ? "" : ", ") + name;
  return out;
}

void onlyKeys(const json& object, const std::string& where, std::initializer_list<const char*> known) {
  if (!object.is_object()) throw Refusal{where, "must be an object"};
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) != known.end()) continue;
    std::string list;
    for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
    throw Refusal{where, "unknown key " + quotedForMessage(key) + " (known: " + list + ")"};
  }
}

std::string text(const json& value, const std::string& where) {
  if (!value.is_string()) throw Refusal{where, "must be a string"};
  return value.get<std::string>();
}

// null counts as empty, as Docker's own file has `"subArchitectures": null`.
std::vector<std::string> texts(const json& object, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (!object.contains(key) || object[key].is_null()) return out;
  const json& list = object[key];
  std::string at = where.empty() ? key : where + "." + key;
  if (!list.is_array()) throw Refusal{at, "must be an array of strings"};
  for (size_t i = 0; i < list.size(); ++i) out.push_back(text(list[i], at + "[" + std::to_string(i) + "]"));
  return out;
}

uint64_t number(const json& value, const std::string& where, uint64_t max) {
  if (!value.is_number_unsigned() || value.get<uint64_t>() > max)
    throw Refusal{where, "must be a whole number from 0 to " + std::to_string(max)};
  return value.get<uint64_t>();
}

template <size_t N, typename T>
T named(const json& value, const std::string& where, const std::pair<const char*, T> (&table)[N], const char* what) {
  std::string name = text(value, where);
  for (const auto& [known, result] : table)
    if (name == known) return result;
  throw Refusal{where,
                "unknown " + std::string(what) + " " + quotedForMessage(name) + " (known: " + namesOf(table) + ")"};
}

Action action(const json& value, const std::string& where) {
  if (value.is_string() && value.get<std::string>() == "SCMP_ACT_NOTIFY")
    throw Refusal{where, "SCMP_ACT_NOTIFY needs a listener, which agentd does not run; use another action"};
  return named(value, where, kActions, "action");
}

EntryFilter entryFilter(const json& object, const std::string& where) {
  onlyKeys(object, where, {"caps", "arches", "minKernel"});
  EntryFilter filter;
  filter.caps = texts(object, "caps", where);
  for (auto& cap : filter.caps) {
    for (auto& c : cap) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (cap.rfind("CAP_", 0) != 0) cap = "CAP_" + cap;
  }
  filter.arches = texts(object, "arches", where);
  if (object.contains("minKernel") && !object["minKernel"].is_null()) {
    std::string at = where + ".minKernel";
    std::string version = text(object["minKernel"], at);
    filter.minKernel = parseKernelVersion(version);
    if (!filter.minKernel) throw Refusal{at, quotedForMessage(version) + " is not a kernel version like \"4.8\""};
  }
  return filter;
}

ArgCondition argCondition(const json& object, const std::string& where) {
  onlyKeys(object, where, {"index", "value", "valueTwo", "op"});
  if (!object.contains("index") || !object.contains("op")) throw Refusal{where, "needs an index and an op"};
  ArgCondition arg;
  arg.index = static_cast<unsigned>(number(object["index"], where + ".index", 5));
  if (object.contains("value")) arg.value = number(object["value"], where + ".value", UINT64_MAX);
  if (object.contains("valueTwo")) arg.valueTwo = number(object["valueTwo"], where + ".valueTwo", UINT64_MAX);
  arg.op = named(object["op"], where + ".op", kCompares, "comparison");
  return arg;
}

SyscallEntry syscallEntry(const json& object, const std::string& where) {
  onlyKeys(object, where, {"names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"});
  SyscallEntry entry;
  if (object.contains("name") && object.contains("names")) throw Refusal{where, "give names or name, not both"};
  if (object.contains("name"))
    entry.names.push_back(text(object["name"], where + ".name"));
  else
    entry.names = texts(object, "names", where);
  if (entry.names.empty()) throw Refusal{where, "names no syscall (give names: [\"...\"])"};
  for (size_t i = 0; i < entry.names.size(); ++i) {
    if (entry.names[i].empty()) throw Refusal{where + ".names[" + std::to_string(i) + "]", "is empty"};
  }
  if (!object.contains("action")) throw Refusal{where, "needs an action (e.g. SCMP_ACT_ALLOW)"};
  entry.action = action(object["action"], where + ".action");
  if (object.contains("errnoRet") && !object["errnoRet"].is_null())
    entry.errnoRet = static_cast<unsigned>(number(object["errnoRet"], where + ".errnoRet", 4095));
  if (object.contains("args") && !object["args"].is_null()) {
    const json& args = object["args"];
    if (!args.is_array()) throw Refusal{where + ".args", "must be an array"};
    for (size_t i = 0; i < args.size(); ++i)
      entry.args.push_back(argCondition(args[i], where + ".args[" + std::to_string(i) + "]"));
  }
  if (object.contains("comment") && !object["comment"].is_string())
    throw Refusal{where + ".comment", "must be a string"};
  if (object.contains("includes")) entry.includes = entryFilter(object["includes"], where + ".includes");
  if (object.contains("excludes")) entry.excludes = entryFilter(object["excludes"], where + ".excludes");
  return entry;
}

SeccompProfile profile(const json& root) {
  onlyKeys(root, "",
           {"defaultAction", "defaultErrnoRet", "archMap", "architectures", "syscalls", "flags", "listenerPath",
            "listenerMetadata"});
  SeccompProfile p;
  if (!root.contains("defaultAction")) throw Refusal{"", "needs a defaultAction (e.g. SCMP_ACT_ERRNO)"};
  p.defaultAction = action(root["defaultAction"], "defaultAction");
  if (root.contains("defaultErrnoRet") && !root["defaultErrnoRet"].is_null())
    p.defaultErrnoRet = static_cast<unsigned>(number(root["defaultErrnoRet"], "defaultErrnoRet", 4095));
  if (root.contains("archMap") && root.contains("architectures") && !root["archMap"].is_null() &&
      !root["architectures"].is_null())
    throw Refusal{"", "give archMap or architectures, not both"};
  p.architectures = texts(root, "architectures", "");
  if (root.contains("archMap") && !root["archMap"].is_null()) {
    const json& map = root["archMap"];
    if (!map.is_array()) throw Refusal{"archMap", "must be an array"};
    for (size_t i = 0; i < map.size(); ++i) {
      std::string at = "archMap[" + std::to_string(i) + "]";
      onlyKeys(map[i], at, {"architecture", "subArchitectures"});
      if (!map[i].contains("architecture")) throw Refusal{at, "needs an architecture (e.g. SCMP_ARCH_X86_64)"};
      p.archMap.push_back({text(map[i]["architecture"], at + ".architecture"), texts(map[i], "subArchitectures", at)});
    }
  }
  if (root.contains("listenerPath") &&
      !(root["listenerPath"].is_string() && root["listenerPath"].get<std::string>().empty()))
    throw Refusal{"listenerPath", "agentd runs no seccomp listener; leave it out"};
  for (const auto& flag : texts(root, "flags", "")) {
    // The one flag agentd sets anyway (as crun does); others change what the kernel does.
    if (flag != "SECCOMP_FILTER_FLAG_SPEC_ALLOW")
      throw Refusal{"flags", "only SECCOMP_FILTER_FLAG_SPEC_ALLOW is supported, not " + quotedForMessage(flag)};
  }
  if (root.contains("syscalls") && !root["syscalls"].is_null()) {
    const json& calls = root["syscalls"];
    if (!calls.is_array()) throw Refusal{"syscalls", "must be an array"};
    for (size_t i = 0; i < calls.size(); ++i)
      p.syscalls.push_back(syscallEntry(calls[i], "syscalls[" + std::to_string(i) + "]"));
  }
  return p;
}

}  // namespace

std::optional<KernelVersion> parseKernelVersion(std::string_view text) {
  KernelVersion version;
  const char* end = text.data() + text.size();
  auto major = std::from_chars(text.data(), end, version.major);
  if (major.ec != std::errc() || major.ptr == end || *major.ptr != '.') return std::nullopt;
  auto minor = std::from_chars(major.ptr + 1, end, version.minor);
  if (minor.ec != std::errc()) return std::nullopt;
  return version;
}

Result<SeccompProfile> parseSeccompProfile(std::string_view text) {
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return userError("the seccomp profile is not JSON: give a profile in Docker's format");
  try {
    return profile(root);
  } catch (const Refusal& r) {
    return userError("seccomp profile: " + (r.where.empty() ? "" : r.where + ": ") + r.what);
  }
}

}  // namespace agent::seccomp

#include "ProcStatus.h"

#include "TextParse.h"

namespace agent::proc {

namespace {
std::optional<pid_t> toPid(std::string_view s) {
  auto value = text::toI64(s);
  if (!value) return std::nullopt;
  return static_cast<pid_t>(*value);
}
}  // namespace

std::optional<ProcStatus> parseProcStatus(std::string_view text) {
  ProcStatus status;
  bool sawName = false;
  while (!text.empty()) {
    std::string_view line = text::nextLine(text);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = text::trim(line.substr(colon + 1));
    if (key == "Name") {
      status.name = std::string(value);
      sawName = true;
    } else if (key == "State") {
      if (!value.empty()) status.state = value[0];
    } else if (key == "Tgid") {
      status.tgid = toPid(value);
    } else if (key == "Pid") {
      status.pid = toPid(value);
    } else if (key == "PPid") {
      status.ppid = toPid(value);
    } else if (key == "Uid" || key == "Gid") {
      auto first = text::toU64(text::nextField(value));
      if (first) (key == "Uid" ? status.uid : status.gid) = static_cast<uint32_t>(*first);
    } else if (key == "Threads") {
      status.threads = text::toU64(value);
    } else if (key == "VmRSS") {
      auto kb = text::toU64(text::nextField(value));
      if (kb) status.vmRssBytes = *kb * 1024;
    } else if (key == "NSpid") {
      for (auto field = text::nextField(value); !field.empty(); field = text::nextField(value)) {
        if (auto pid = toPid(field)) status.nsPids.push_back(*pid);
      }
    }
  }
  if (!sawName) return std::nullopt;
  return status;
}

}  // namespace agent::proc

#include "ProcStat.h"

#include "TextParse.h"

namespace agent::proc {

std::optional<ProcStat> parseProcStat(std::string_view text) {
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;

  ProcStat stat;
  auto pid = text::toI64(text.substr(0, open));
  if (!pid) return std::nullopt;
  stat.pid = static_cast<pid_t>(*pid);
  stat.comm = std::string(text.substr(open + 1, close - open - 1));

  // Fields from 3 on, after ") ".
  std::string_view rest = text.substr(close + 1);
  std::string_view fields[22];  // fields 3..24
  for (auto& field : fields) {
    field = text::nextField(rest);
    if (field.empty()) return std::nullopt;
  }
  auto at = [&](int number) { return fields[number - 3]; };
  if (at(3).size() != 1) return std::nullopt;
  stat.state = at(3)[0];
  auto ppid = text::toI64(at(4)), pgrp = text::toI64(at(5)), session = text::toI64(at(6));
  auto utime = text::toU64(at(14)), stime = text::toU64(at(15));
  auto threads = text::toI64(at(20));
  auto start = text::toU64(at(22)), vsize = text::toU64(at(23));
  auto rss = text::toI64(at(24));
  if (!ppid || !pgrp || !session || !utime || !stime || !threads || !start || !vsize || !rss) {
    return std::nullopt;
  }
  stat.ppid = static_cast<pid_t>(*ppid);
  stat.pgrp = static_cast<pid_t>(*pgrp);
  stat.session = static_cast<pid_t>(*session);
  stat.utimeTicks = *utime;
  stat.stimeTicks = *stime;
  stat.numThreads = *threads;
  stat.startTimeTicks = *start;
  stat.vsizeBytes = *vsize;
  stat.rssPages = *rss;
  return stat;
}

}  // namespace agent::proc

#include "CgroupTree.h"

#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "TextParse.h"

namespace agent::cgroup {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {
constexpr char kCgroupProcs[] = "cgroup.procs";
constexpr char kSubtreeControl[] = "cgroup.subtree_control";
constexpr char kControllers[] = "cgroup.controllers";
}  // namespace

std::vector<std::string> pathComponents(const std::string& path) {
  std::vector<std::string> parts;
  std::string_view rest = path;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (!part.empty()) parts.emplace_back(part);
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
  }
  return parts;
}

std::vector<pid_t> parsePids(std::string_view text) {
  std::vector<pid_t> pids;
  while (!text.empty()) {
    if (auto pid = text::toU64(text::nextLine(text))) pids.push_back(static_cast<pid_t>(*pid));
  }
  return pids;
}

Result<void> collectPids(const Dir& dir, std::vector<pid_t>& out) {
  auto text = readWholeFileAt(dir, kCgroupProcs);
  if (!text) return tl::unexpected(text.error());
  auto pids = parsePids(*text);
  out.insert(out.end(), pids.begin(), pids.end());
  auto children = listSubdirs(dir);
  if (!children) return tl::unexpected(children.error());
  for (const auto& name : *children) {
    auto child = dir.openChild(name);
    if (!child) {
      if (child.error().isGone()) continue;
      return tl::unexpected(child.error());
    }
    auto r = collectPids(*child, out);
    if (!r && !r.error().isGone()) return r;
  }
  return {};
}

// Enables in `level`'s subtree_control the wanted controllers it offers and has not yet
// enabled. Fails with EBUSY when `level` holds processes (v2's no-internal-process rule).
static Result<void> enableControllers(const Dir& level, ControllerSet wanted) {
  auto offered = readWholeFileAt(level, kControllers);
  if (!offered) return tl::unexpected(offered.error());
  auto enabled = readWholeFileAt(level, kSubtreeControl);
  if (!enabled) return tl::unexpected(enabled.error());
  auto listed = [](std::string_view list, std::string_view name) {
    for (auto f = text::nextField(list); !f.empty(); f = text::nextField(list))
      if (text::trim(f) == name) return true;
    return false;
  };
  std::string request;
  wanted.forEach([&](Controller c) {
    std::string_view name = v2Name(c);
    if (name.empty() || !listed(*offered, name) || listed(*enabled, name)) return;
    if (!request.empty()) request += ' ';
    request += '+';
    request += name;
  });
  if (request.empty()) return {};
  auto written = writeFileAt(level, kSubtreeControl, request);
  if (!written && written.error().errnum == EBUSY) {
    written.error().action += " (cgroup v2 allows no processes in a group that delegates controllers)";
  }
  return written;
}

// mkdir -p below `mount`, enabling controllers at each level on v2. Records what it made.
Result<void> makePath(const CgroupMount& mount, const std::vector<std::string>& parts, ControllerSet controllers,
                      std::vector<std::string>& made, size_t othersDepth) {
  auto level = Dir::open(mount.mountPoint);
  if (!level) return tl::unexpected(level.error());
  for (size_t depth = 0; depth < parts.size(); ++depth) {
    const std::string& part = parts[depth];
    if (depth < othersDepth) {
      auto next = level->openChild(part);  // systemd's: gone means its unit stopped
      if (!next) return tl::unexpected(next.error());
      level = std::move(next);
      continue;
    }
    if (mount.version == CgroupVersion::V2) {
      if (auto r = enableControllers(*level, controllers); !r) return r;
    }
    if (::mkdirat(level->fd(), part.c_str(), 0755) == 0) {
      made.push_back(level->pathOf(part));
    } else if (errno != EEXIST) {
      return systemError("create cgroup directory", level->pathOf(part));
    }
    auto next = level->openChild(part);
    if (!next) return tl::unexpected(next.error());
    level = std::move(next);
  }
  return {};
}

Result<void> removeDirTree(const std::string& path, Clock::time_point deadline) {
  auto dir = Dir::open(path);
  if (!dir) return dir.error().isGone() ? Result<void>() : Result<void>(tl::unexpected(dir.error()));
  auto children = listSubdirs(*dir);
  if (!children) return tl::unexpected(children.error());
  for (const auto& name : *children) {
    if (auto r = removeDirTree(dir->pathOf(name), deadline); !r) return r;
  }
  while (::rmdir(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    if (errno != EBUSY || Clock::now() >= deadline) {
      return systemError(errno == EBUSY ? "remove cgroup (processes still in it)" : "remove cgroup", path);
    }
    std::this_thread::sleep_for(5ms);
  }
  return {};
}
}  // namespace agent::cgroup

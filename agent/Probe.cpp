#include "Probe.h"

#include <sys/utsname.h>

#include <ostream>

#include "Namespaces.h"

namespace agent {

namespace {

void printControllers(const cgroup::Hierarchy& h, std::ostream& out) {
  out << "controllers:\n";
  for (size_t i = 0; i < cgroup::kControllerCount; ++i) {
    auto c = static_cast<cgroup::Controller>(i);
    const cgroup::CgroupMount* m = h.mountFor(c);
    out << "  " << cgroup::displayName(c);
    for (size_t pad = cgroup::displayName(c).size(); pad < 11; ++pad) out << ' ';
    if (m == nullptr) {
      out << "-   not available\n";
      continue;
    }
    out << (m->version == cgroup::CgroupVersion::V1 ? "v1  " : "v2  ") << m->mountPoint;
    if (m->root != "/") out << " (root " << m->root << ")";
    out << '\n';
  }
}

void printNamespaces(const std::string& procRoot, std::ostream& out) {
  auto self = ns::readNamespaces(procRoot, 0);
  if (!self) {
    out << "namespaces: unreadable (" << self.error().message() << ")\n";
    return;
  }
  // Reading another process's links needs ptrace access to it; in a sandbox even root may
  // lack that for pid 1, and then only our own column is shown.
  auto init = ns::readNamespaces(procRoot, 1);
  bool initReadable = init && !init->empty();
  if (!initReadable) out << "pid 1's namespace links are not readable here (no ptrace access to pid 1)\n";
  out << (initReadable ? "namespaces:          pid 1         self\n" : "namespaces:          self\n");
  for (const auto& id : *self) {
    out << "  " << id.type;
    for (size_t pad = id.type.size(); pad < 18; ++pad) out << ' ';
    if (initReadable) {
      std::string initInode = "-";
      for (const auto& other : *init)
        if (other.type == id.type) initInode = std::to_string(other.inode);
      out << initInode;
      for (size_t pad = initInode.size(); pad < 14; ++pad) out << ' ';
      out << id.inode << (initInode == std::to_string(id.inode) ? "" : "  (differs)") << '\n';
    } else {
      out << id.inode << '\n';
    }
  }
}

}  // namespace

int runProbe(const ProbeOptions& options, std::ostream& out, std::ostream& err) {
  auto hierarchy = cgroup::Hierarchy::detect(options.paths);
  if (!hierarchy) {
    err << "agentd probe: cannot detect cgroups: " << hierarchy.error().message() << '\n';
    return 1;
  }
  const auto& h = *hierarchy;
  out << "cgroup mode: " << cgroup::modeName(h.mode()) << '\n';
  out << "cgroup root: " << h.cgroupRoot() << '\n';
  printControllers(h, out);
  if (const auto* unified = h.unifiedMount()) {
    out << "unified mount: " << unified->mountPoint << " (controllers:";
    bool any = false;
    h.unifiedControllers().forEach([&](cgroup::Controller c) {
      out << ' ' << cgroup::v2Name(c);
      any = true;
    });
    out << (any ? ")" : " none)") << '\n';
  }
  out << "own cgroup:\n";
  for (const auto& m : h.selfCgroups()) {
    std::string names;
    for (const auto& c : m.controllers) names += (names.empty() ? "" : ",") + c;
    out << "  " << (m.isUnified() ? std::string("unified") : names) << ": " << m.path << '\n';
  }
  utsname uts{};
  if (::uname(&uts) == 0) out << "kernel: " << uts.sysname << ' ' << uts.release << ' ' << uts.machine << '\n';
  printNamespaces(options.paths.procRoot, out);
  return 0;
}

}  // namespace agent

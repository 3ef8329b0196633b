#include "SystemdManager.h"

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include <string_view>
#include <thread>

#include "FileAt.h"

namespace agent::systemd {

namespace {

Error busError(const std::string& action, int r, const sd_bus_error* error = nullptr) {
  std::string message = action;
  if (error && sd_bus_error_is_set(error) && error->message) message += ": " + std::string(error->message);
  return Error{-r, "", message};
}

Result<sd_bus*> open() {
  sd_bus* bus = nullptr;
  // systemctl's way as root: PID 1's own socket, no bus daemon in between.
  if (sd_bus_new(&bus) >= 0) {
    if (sd_bus_set_address(bus, "unix:path=/run/systemd/private") >= 0 && sd_bus_start(bus) >= 0) return bus;
    sd_bus_unref(bus);
    bus = nullptr;
  }
  if (int r = sd_bus_open_system(&bus); r < 0) {
    return tl::unexpected(busError("connect to systemd (/run/systemd/private and the system bus)", r));
  }
  return bus;
}

bool connectionLost(int r) {
  return r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE || r == -ESHUTDOWN;
}

// Whether /proc/PID/cgroup's unified line ("0::/path") names `path`.
bool inCgroup(pid_t pid, const std::string& path) {
  auto text = readWholeFile("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text) return false;
  return text->find("0::" + path + "\n") != std::string::npos;
}

}  // namespace

bool systemdBooted() {
  return sd_booted() > 0;
}

Result<std::unique_ptr<SystemdManager>> SystemdManager::connect() {
  auto bus = open();
  if (!bus) return tl::unexpected(bus.error());
  return std::unique_ptr<SystemdManager>(new SystemdManager(*bus));
}

SystemdManager::~SystemdManager() {
  sd_bus_flush_close_unref(bus_);
}

Result<void> SystemdManager::callStartTransientUnit(const std::string& scope, const std::string& slice, pid_t pid,
                                                    const std::string& description, std::chrono::milliseconds timeout) {
  sd_bus_message* call = nullptr;
  sd_bus_message* reply = nullptr;
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int r = sd_bus_message_new_method_call(bus_, &call, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                         "org.freedesktop.systemd1.Manager", "StartTransientUnit");
  if (r >= 0) r = sd_bus_message_append(call, "ss", scope.c_str(), "fail");
  if (r >= 0) r = sd_bus_message_open_container(call, 'a', "(sv)");
  if (r >= 0) r = sd_bus_message_append(call, "(sv)", "Slice", "s", slice.c_str());
  if (r >= 0) r = sd_bus_message_append(call, "(sv)", "Delegate", "b", 1);
  if (r >= 0) r = sd_bus_message_append(call, "(sv)", "PIDs", "au", 1, static_cast<uint32_t>(pid));
  if (r >= 0) r = sd_bus_message_append(call, "(sv)", "Description", "s", description.c_str());
  if (r >= 0) r = sd_bus_message_append(call, "(sv)", "CollectMode", "s", "inactive-or-failed");
  if (r >= 0) r = sd_bus_message_append(call, "(sv)", "DefaultDependencies", "b", 0);
  if (r >= 0) r = sd_bus_message_close_container(call);
  if (r >= 0) r = sd_bus_message_append(call, "a(sa(sv))", 0);
  if (r < 0) {
    sd_bus_message_unref(call);
    return tl::unexpected(busError("build StartTransientUnit for " + scope, r));
  }
  r = sd_bus_call(bus_, call, static_cast<uint64_t>(timeout.count()) * 1000, &error, &reply);
  Result<void> result;
  if (r < 0) result = tl::unexpected(busError("start scope " + scope + " in " + slice, r, &error));
  sd_bus_error_free(&error);
  sd_bus_message_unref(reply);
  sd_bus_message_unref(call);
  return result;
}

Result<void> SystemdManager::startScope(const std::string& scope, const std::string& slice,
                                        const std::string& scopePath, pid_t pid, const std::string& description,
                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::lock_guard lock(mutex_);
    auto started = callStartTransientUnit(scope, slice, pid, description, timeout);
    if (!started && connectionLost(-started.error().errnum)) {
      // PID 1 re-executed (daemon-reexec, an upgrade of systemd): connect again, once.
      if (auto bus = open()) {
        sd_bus_flush_close_unref(bus_);
        bus_ = *bus;
        started = callStartTransientUnit(scope, slice, pid, description, timeout);
      }
    }
    if (!started) return started;
  }
  // The call returns once the job is queued; the scope holds `pid` once the job ran.
  while (!inCgroup(pid, scopePath)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return tl::unexpected(Error{ETIMEDOUT, scopePath,
                                  "systemd took scope " + scope + " but did not move pid " + std::to_string(pid) +
                                      " into it within " + std::to_string(timeout.count()) + " ms"});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

}  // namespace agent::systemd

#include "Trash.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

namespace agent::container {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A dead container's overlay is torn down by the kernel asynchronously: its work directory
// may be busy for a moment, so a failed deletion is retried briefly.
void removeTree(const std::string& path) {
  std::error_code ec;
  for (int attempt = 0; attempt < 200; ++attempt) {
    ec.clear();
    fs::remove_all(path, ec);
    if (!ec || (ec.value() != ENOTEMPTY && ec.value() != EBUSY)) return;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

Trash::Trash(std::vector<std::string> trashDirs) : trashDirs_(std::move(trashDirs)) {
  for (const auto& dir : trashDirs_) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    for (const auto& entry : fs::directory_iterator(dir, ec)) queue_.push_back(entry.path().string());
  }
  worker_ = std::jthread([this](std::stop_token stop) { deleteLoop(stop); });
}

Trash::~Trash() {
  worker_.request_stop();
  worker_.join();
}

Result<void> Trash::discard(const std::string& path, const std::string& trashDir) {
  std::string target;
  {
    std::lock_guard lock(mutex_);
    target = trashDir + "/" + fs::path(path).filename().string() + "." + std::to_string(::getpid()) + "." +
             std::to_string(++counter_);
  }
  if (::rename(path.c_str(), target.c_str()) != 0) return systemError("move into the trash", path);
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(target);
  }
  changed_.notify_all();
  return {};
}

void Trash::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void Trash::deleteLoop(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, stop, [this] { return !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, with nothing left
    std::string next = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    removeTree(next);
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

}  // namespace agent::container

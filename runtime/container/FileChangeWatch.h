#pragma once
// Tells waiters when a file changes, through one inotify instance shared by all of them.
//
// Why shared: closing an inotify instance that had watches waits for an SRCU grace period
// (0.1 to 14 ms measured here), which a per-request instance would add to every
// `logs -f` reply. Adding and removing a watch is about a microsecond, so each waiter gets
// its own watch on the shared instance and an eventfd to poll beside other descriptors.
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::container {

class FileChangeWatch {
 public:
  // Readable (an eventfd) after `path` was written to, moved, deleted or changed attributes;
  // the watch ends with the object.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription();
    int fd() const { return eventFd_.get(); }

   private:
    friend class FileChangeWatch;
    Subscription(FileChangeWatch* owner, int wd, UniqueFd eventFd)
        : owner_(owner), wd_(wd), eventFd_(std::move(eventFd)) {}
    void release();
    FileChangeWatch* owner_ = nullptr;
    int wd_ = -1;
    UniqueFd eventFd_;
  };

  FileChangeWatch();
  ~FileChangeWatch();
  FileChangeWatch(const FileChangeWatch&) = delete;
  FileChangeWatch& operator=(const FileChangeWatch&) = delete;

  Result<Subscription> subscribe(const std::string& path);

 private:
  void dispatch();
  void unsubscribe(int wd, int eventFd);

  UniqueFd inotify_;
  UniqueFd stop_;
  std::mutex mutex_;
  std::multimap<int, int> waitersByWatch_;  // watch descriptor -> eventfd
  std::thread dispatcher_;
};

}  // namespace agent::container

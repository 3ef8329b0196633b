#include "ReaderLease.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "FileAt.h"
#include "TextParse.h"
#include "UniqueFd.h"

namespace agent::container {

int64_t bootTimeMs() {
  timespec now{};
  ::clock_gettime(CLOCK_BOOTTIME, &now);
  return int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1'000'000;
}

std::string formatReaderLease(const ReaderLease& lease) {
  return std::to_string(lease.position) + " " + std::to_string(lease.expiresAtMs) + "\n";
}

std::optional<ReaderLease> parseReaderLease(std::string_view text) {
  auto position = text::toU64(text::nextField(text));
  auto expires = text::toI64(text::nextField(text));
  if (!position || !expires || !text::trim(text).empty()) return std::nullopt;
  return ReaderLease{*position, *expires};
}

bool isReaderId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string readerLeaseDir(const std::string& bundleDir) {
  return bundleDir + "/readers";
}

Result<void> writeReaderLease(const std::string& bundleDir, const std::string& reader, const ReaderLease& lease) {
  if (!isReaderId(reader)) return logicError("write reader lease (bad reader id)", reader, EINVAL);
  std::string dir = readerLeaseDir(bundleDir);
  // Not mkdir -p: without the container's own directory this fails, as it must.
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return systemError("create reader lease directory", dir);
  // A temporary file per thread: agentd renews one reader's lease from concurrent requests.
  std::string temporary = dir + "/." + reader + "." + std::to_string(::gettid());
  std::string text = formatReaderLease(lease);
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return systemError("create", temporary);
  bool written = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
  fd.reset();
  if (!written || ::rename(temporary.c_str(), (dir + "/" + reader).c_str()) != 0) {
    int err = errno;
    ::unlink(temporary.c_str());
    return systemError("write reader lease", dir + "/" + reader, err);
  }
  return {};
}

void dropReaderLease(const std::string& bundleDir, const std::string& reader) {
  if (!isReaderId(reader)) return;
  ::unlink((readerLeaseDir(bundleDir) + "/" + reader).c_str());
}

std::vector<ReaderLease> runningReaderLeases(const std::string& bundleDir, int64_t nowMs) {
  std::vector<ReaderLease> leases;
  std::string dir = readerLeaseDir(bundleDir);
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return leases;
  while (dirent* entry = ::readdir(listing)) {
    if (!isReaderId(entry->d_name)) continue;  // ".", "..", temporary files of a write
    auto text = readWholeFile(dir + "/" + entry->d_name);
    if (!text) continue;
    auto lease = parseReaderLease(*text);
    if (lease && lease->expiresAtMs > nowMs) leases.push_back(*lease);
  }
  ::closedir(listing);
  return leases;
}

}  // namespace agent::container

#include "TarImport.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "UniqueFd.h"

namespace agent::container {

namespace {

constexpr size_t kBlock = 512;

struct Header {
  std::string name, linkName;
  char type = '0';
  uint64_t size = 0;
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
};

uint64_t octal(const char* field, size_t length) {
  // GNU base-256 for large values: the high bit of the first byte is set.
  if (static_cast<unsigned char>(field[0]) & 0x80) {
    uint64_t value = static_cast<unsigned char>(field[0]) & 0x7f;
    for (size_t i = 1; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(field[i]);
    return value;
  }
  uint64_t value = 0;
  for (size_t i = 0; i < length && field[i] != '\0' && field[i] != ' '; ++i) {
    if (field[i] < '0' || field[i] > '7') break;
    value = value * 8 + static_cast<uint64_t>(field[i] - '0');
  }
  return value;
}

std::string text(const char* field, size_t length) {
  return std::string(field, strnlen(field, length));
}

bool readFull(int fd, char* buffer, size_t length) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::read(fd, buffer + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// "./a//b/" -> "a/b"; empty when the entry is the root itself. `ok` false for escapes.
std::string normalize(const std::string& name, bool& ok) {
  ok = !name.empty() && name.front() != '/';
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") ok = false;
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + part;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

// Opens the parent directory of `path` under `root`, refusing any symlink on the way.
int openParent(int root, const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ::fcntl(root, F_DUPFD_CLOEXEC, 0);
  std::string parent = path.substr(0, slash);
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root, parent.c_str(), &how, sizeof how));
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Makes the missing directories of `path` (tarballs do not always list them first).
void makeParents(int root, const std::string& path) {
  size_t slash = 0;
  while ((slash = path.find('/', slash + 1)) != std::string::npos) {
    std::string dir = path.substr(0, slash);
    UniqueFd parent(openParent(root, dir));
    if (parent.valid()) ::mkdirat(parent.get(), baseName(dir).c_str(), 0755);
  }
}

}  // namespace

Result<TarImportSummary> extractTar(const std::string& tarPath, const std::string& rootDir) {
  UniqueFd tar(::open(tarPath.c_str(), O_RDONLY | O_CLOEXEC));
  if (!tar.valid()) return systemError("open tarball", tarPath);
  UniqueFd root(::open(rootDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return systemError("open image directory", rootDir);

  TarImportSummary summary;
  std::string longName, longLink, paxPath, paxLink;
  std::vector<char> block(kBlock);
  int zeroBlocks = 0;
  while (true) {
    if (!readFull(tar.get(), block.data(), kBlock)) {
      if (zeroBlocks > 0) break;
      return userError("the tarball " + tarPath + " ends in the middle of an entry; it is cut short: write it again",
                       EINVAL);
    }
    if (std::all_of(block.begin(), block.end(), [](char c) { return c == 0; })) {
      if (++zeroBlocks == 2) break;
      continue;
    }
    zeroBlocks = 0;
    const char* b = block.data();
    Header h;
    h.name = text(b, 100);
    std::string prefix = std::memcmp(b + 257, "ustar", 5) == 0 ? text(b + 345, 155) : "";
    if (!prefix.empty()) h.name = prefix + "/" + h.name;
    h.mode = static_cast<mode_t>(octal(b + 100, 8) & 07777);
    h.uid = static_cast<uid_t>(octal(b + 108, 8));
    h.gid = static_cast<gid_t>(octal(b + 116, 8));
    h.size = octal(b + 124, 12);
    h.type = b[156] == '\0' ? '0' : b[156];
    h.linkName = text(b + 157, 100);

    // The data of this entry, read only when needed for a file or a name record.
    auto readData = [&](std::string& out) -> bool {
      out.resize(h.size);
      size_t padded = (h.size + kBlock - 1) / kBlock * kBlock;
      std::vector<char> data(padded);
      if (!readFull(tar.get(), data.data(), padded)) return false;
      out.assign(data.data(), h.size);
      return true;
    };
    auto skipData = [&]() -> bool {
      size_t padded = (h.size + kBlock - 1) / kBlock * kBlock;
      return padded == 0 || ::lseek(tar.get(), static_cast<off_t>(padded), SEEK_CUR) >= 0;
    };
    if (h.type == 'L' || h.type == 'K' || h.type == 'x' || h.type == 'g') {
      std::string data;
      if (!readData(data))
        return userError("the tarball " + tarPath + " ends in a header's data; it is cut short: write it again",
                         EINVAL);
      if (h.type == 'L') longName = data.c_str();
      if (h.type == 'K') longLink = data.c_str();
      if (h.type == 'x') {
        // PAX records: "<length> <key>=<value>\n".
        size_t at = 0;
        while (at < data.size()) {
          size_t space = data.find(' ', at);
          if (space == std::string::npos) break;
          size_t length = std::strtoul(data.c_str() + at, nullptr, 10);
          if (length == 0 || at + length > data.size()) break;
          std::string record = data.substr(space + 1, at + length - space - 2);
          if (record.rfind("path=", 0) == 0) paxPath = record.substr(5);
          if (record.rfind("linkpath=", 0) == 0) paxLink = record.substr(9);
          at += length;
        }
      }
      continue;
    }
    if (!paxPath.empty())
      h.name = paxPath;
    else if (!longName.empty())
      h.name = longName;
    if (!paxLink.empty())
      h.linkName = paxLink;
    else if (!longLink.empty())
      h.linkName = longLink;
    longName.clear(), longLink.clear(), paxPath.clear(), paxLink.clear();

    bool ok = true;
    std::string path = normalize(h.name, ok);
    if (!ok)
      return userError("the tarball " + tarPath + " has entry `" + h.name +
                           "`, which would land outside the image; nothing was imported",
                       EINVAL);
    if (path.empty()) {  // the root directory itself
      if (!skipData()) return systemError("read tarball", tarPath);
      continue;
    }
    makeParents(root.get(), path);
    UniqueFd parent(openParent(root.get(), path));
    if (!parent.valid()) {
      return userError("the tarball " + tarPath + " has entry `" + h.name +
                           "`, which passes through a symbolic link or a missing directory; nothing was imported",
                       EINVAL);
    }
    std::string leaf = baseName(path);
    switch (h.type) {
      case '0':
      case '7': {
        ::unlinkat(parent.get(), leaf.c_str(), 0);
        UniqueFd out(::openat(parent.get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out.valid()) return systemError("create `" + path + "` in", rootDir);
        uint64_t left = h.size;
        std::vector<char> chunk(1 << 16);
        while (left > 0) {
          size_t want = static_cast<size_t>(std::min<uint64_t>(left, chunk.size()));
          if (!readFull(tar.get(), chunk.data(), want))
            return userError("the tarball " + tarPath + " ends in a file's data; it is cut short: write it again",
                             EINVAL);
          if (::write(out.get(), chunk.data(), want) != static_cast<ssize_t>(want)) {
            return systemError("write `" + path + "` in", rootDir);
          }
          left -= want;
        }
        size_t padding = (kBlock - h.size % kBlock) % kBlock;
        if (padding > 0 && !readFull(tar.get(), chunk.data(), padding)) {
          return userError("the tarball " + tarPath + " ends in a file's data; it is cut short: write it again",
                           EINVAL);
        }
        if (::fchown(out.get(), h.uid, h.gid) != 0 || ::fchmod(out.get(), h.mode) != 0) {
          return systemError("set the owner and mode of `" + path + "` in", rootDir);
        }
        ++summary.files;
        summary.bytes += h.size;
        break;
      }
      case '5':
        if (::mkdirat(parent.get(), leaf.c_str(), 0755) != 0 && errno != EEXIST) {
          return systemError("create directory `" + path + "` in", rootDir);
        }
        if (::fchownat(parent.get(), leaf.c_str(), h.uid, h.gid, AT_SYMLINK_NOFOLLOW) != 0 ||
            ::fchmodat(parent.get(), leaf.c_str(), h.mode, 0) != 0) {
          return systemError("set the owner and mode of directory `" + path + "` in", rootDir);
        }
        ++summary.directories;
        break;
      case '2':
        ::unlinkat(parent.get(), leaf.c_str(), 0);
        if (::symlinkat(h.linkName.c_str(), parent.get(), leaf.c_str()) != 0) {
          return systemError("create symlink `" + path + "` in", rootDir);
        }
        if (::fchownat(parent.get(), leaf.c_str(), h.uid, h.gid, AT_SYMLINK_NOFOLLOW) != 0) {
          return systemError("set the owner of symlink `" + path + "` in", rootDir);
        }
        ++summary.symlinks;
        break;
      case '1': {
        bool targetOk = true;
        std::string target = normalize(h.linkName, targetOk);
        if (!targetOk || target.empty()) {
          return userError("the tarball " + tarPath + " has hard link `" + path + "` -> `" + h.linkName +
                               "`, which leaves the image; nothing was imported",
                           EINVAL);
        }
        UniqueFd targetParent(openParent(root.get(), target));
        if (!targetParent.valid()) {
          return userError("the tarball " + tarPath + " has hard link target `" + h.linkName +
                               "`, which passes through a symbolic link; nothing was imported",
                           EINVAL);
        }
        ::unlinkat(parent.get(), leaf.c_str(), 0);
        if (::linkat(targetParent.get(), baseName(target).c_str(), parent.get(), leaf.c_str(), 0) != 0) {
          return systemError("create hard link `" + path + "` in", rootDir);
        }
        ++summary.hardlinks;
        break;
      }
      default:
        ++summary.skippedDevices;  // devices and fifos: a container gets its own /dev
        if (!skipData()) return systemError("read tarball", tarPath);
        break;
    }
  }
  return summary;
}

}  // namespace agent::container

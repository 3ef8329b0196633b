// `agentctl image load`: the archive goes to agentd as the request's body (POST
// /v1/images/load, Content-Type application/x-tar) and agentd's progress lines come back as it
// loads; or, when agentd is the one of --state-dir (on this host, root like agentctl) and the
// archive is a named file or directory, by its path: agentd reads it where it is, no copy.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>

#include "Commands.h"
#include "HttpUpload.h"
#include "StatsTable.h"
#include "UniqueFd.h"

namespace agent::ctl {

using nlohmann::json;

int Commands::imageLoad(const std::string& input) {
  bool fromStdin = input.empty() || input == "-";
  if (fromStdin && ::isatty(STDIN_FILENO)) {
    std::cerr << "agentctl: image load reads the archive from stdin, which is a terminal; give -i FILE, or pipe "
                 "it in (docker save busybox | agentctl image load)\n";
    return kExitUsage;
  }
  if (!fromStdin && options_.api.empty()) return imageLoadByPath(input);
  return imageUpload(input);
}

int Commands::imageUpload(const std::string& input) {
  bool fromStdin = input.empty() || input == "-";
  std::string shown = fromStdin ? "stdin" : input;
  UniqueFd file;
  std::optional<uint64_t> length;  // none: a pipe, sent chunked
  if (!fromStdin) {
    std::error_code ec;
    if (std::filesystem::is_directory(input, ec)) {
      std::cerr << "agentctl: " << input
                << " is a directory (an OCI layout); to send it to agentd on another host, pack it: tar -C " << input
                << " -cf - . | agentctl --api ... image load\n";
      return kExitUsage;
    }
    file = UniqueFd(::open(input.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file.valid()) {
      std::cerr << "agentctl: cannot open " << input << ": " << std::strerror(errno) << "\n";
      return kExitUsage;
    }
  }
  int bodyFd = fromStdin ? STDIN_FILENO : file.get();
  struct stat status {};
  if (::fstat(bodyFd, &status) == 0 && S_ISREG(status.st_mode)) length = static_cast<uint64_t>(status.st_size);
  int exitCode = kExitOk;
  if (!connect(exitCode)) return exitCode;
  auto url = endpointUrl(client_->endpoint());
  if (!url) {
    std::cerr << "agentctl: " << url.error().message() << '\n';
    return kExitUsage;
  }
  if (!wantsJson())
    std::cerr << "loading " << shown << (length ? " (" + decimalSize(*length) + ")" : std::string()) << "...\n";

  // One JSON object a line: {"status"} to stderr, {"stream"} to stdout, {"images"} or {"error"} last.
  std::string partial;
  json images, error;
  auto onLine = [&](const std::string& text) {
    json line = json::parse(text, nullptr, false);
    if (!line.is_object()) return;
    if (line.contains("error")) {
      error = line;
    } else if (line.contains("images")) {
      images = line;
    } else if (!wantsJson() && line.value("status", json()).is_string()) {
      std::cerr << line["status"].get<std::string>() << '\n';
    } else if (!wantsJson() && line.value("stream", json()).is_string()) {
      std::cout << line["stream"].get<std::string>() << std::flush;
    }
  };
  HttpRequestLine request{
      "POST",
      "/v1/images/load",
      {{"Authorization", "Bearer " + client_->endpoint().token}, {"Content-Type", "application/x-tar"}},
      ""};
  auto reply = httpUpload(
      *url, request, bodyFd, length, shown,
      [&](std::string_view bytes) {
        partial.append(bytes);
        for (size_t eol; (eol = partial.find('\n')) != std::string::npos; partial.erase(0, eol + 1))
          onLine(partial.substr(0, eol));
      },
      std::chrono::minutes(10));
  if (!reply) {
    if (reply.error().errnum == EIO) {  // the archive, not agentd
      std::cerr << "agentctl: " << reply.error().message() << '\n';
      return kExitAgentError;
    }
    reportUnanswered(unreachable(reply.error(), client_->endpoint()), "POST",
                     "the image may have been loaded (agentctl image ls)", exitCode);
    return exitCode;
  }
  if (reply->status == 503) {
    std::cerr << "agentctl: agentd at " << client_->endpoint().url << " is stopping; load again once it is back\n";
    return kExitUnreachable;
  }
  if (reply->status >= 400) {
    std::cerr << "agentctl: " << refusal(reply->status, json::parse(reply->body, nullptr, false)) << '\n';
    return kExitAgentError;
  }
  if (!error.is_null()) {
    std::cerr << "agentctl: " << error.value("error", "the load failed") << '\n';
    return kExitAgentError;
  }
  if (images.is_null()) {
    std::cerr << "agentctl: agentd's reply ended before the load did (it stopped?); see agentctl image ls\n";
    return kExitUnreachable;
  }
  if (wantsJson()) std::cout << images.dump(2) << '\n';
  return kExitOk;
}

// agentd (root, on this host) reads the archive where it is: no copy. Its reply comes once the
// load is done, progress lines included.
int Commands::imageLoadByPath(const std::string& input) {
  std::error_code absoluteError;
  std::string path = std::filesystem::absolute(input, absoluteError).lexically_normal().string();
  // Said here, before agentd is asked: a path that is not there gets no size line first.
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    std::cerr << "agentctl: cannot read " << input << ": " << std::strerror(errno)
              << " (give a docker save archive, an OCI layout directory or its tar)\n";
    return kExitUsage;
  }
  if (!wantsJson()) {
    if (S_ISDIR(status.st_mode))
      std::cerr << "loading " << path << "...\n";
    else
      std::cerr << "loading " << path << " (" << decimalSize(static_cast<uint64_t>(status.st_size)) << ")...\n";
  }
  int exitCode = kExitOk;
  auto reply = call("POST", "/v1/images/load", json{{"path", path}}, exitCode, 3600);
  if (!reply) return exitCode;
  if (wantsJson()) {
    std::cout << reply->body.dump(2) << '\n';
    return kExitOk;
  }
  for (const auto& line : reply->body.value("progress", json::array())) std::cerr << line.get<std::string>() << '\n';
  for (const auto& image : reply->body.value("images", json::array())) {
    auto names = image.value("names", std::vector<std::string>{});
    std::string id = image.value("id", "");
    if (names.empty()) std::cout << "Loaded image ID: " << id << '\n';
    for (const auto& name : names) std::cout << "Loaded image: " << name << '\n';
  }
  return kExitOk;
}

}  // namespace agent::ctl

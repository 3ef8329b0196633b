// agentctl's side of a container's output: `logs` and the attached stream of `run`. agentd
// answers long polls with frames (StreamFrames.h); each payload goes, byte for byte, to
// agentctl's own stdout or stderr, as the container wrote it.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "Commands.h"
#include "StreamFrames.h"
#include "TextParse.h"

#include "FdWrite.h"

namespace agent::ctl {

namespace {

constexpr long kWaitMs = 5000;  // per long poll; well inside agentd's reader lease (15 s)
constexpr auto kRenewEvery = std::chrono::seconds(5);

// While agentctl is busy writing output (to a pager, a slow pipe), nobody asks agentd for more,
// so nobody renews the reader's lease: this does, every few seconds, at the offset received.
class LeaseKeeper {
 public:
  LeaseKeeper(const ApiClient* client, std::string route, std::string reader)
      : client_(client), route_(std::move(route)), reader_(std::move(reader)) {
    if (client_ != nullptr && !reader_.empty()) thread_ = std::thread([this] { run(); });
  }
  ~LeaseKeeper() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void busy(uint64_t offset) {
    std::lock_guard lock(mutex_);
    busy_ = true;
    offset_ = offset;
  }
  void idle() {
    std::lock_guard lock(mutex_);
    busy_ = false;
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kRenewEvery, [this] { return stop_; })) {
      if (!busy_) continue;
      std::string path = route_ + "?reader=" + reader_ + "&offset=" + std::to_string(offset_) + "&max_bytes=0";
      lock.unlock();
      (void)client_->exchange("POST", path, std::nullopt, 10);
      lock.lock();
    }
  }

  const ApiClient* client_;
  std::string route_, reader_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false, busy_ = false;
  uint64_t offset_ = 0;
  std::thread thread_;
};

// Each frame's payload to stdout or stderr; false (and why, in exitCode) if that failed.
bool writeFrames(std::string_view frames, int& exitCode) {
  bool written = true;
  auto used = forEachFrame(frames, [&](OutputStream stream, std::string_view payload) {
    written = written && writeAll(stream == OutputStream::Stdout ? STDOUT_FILENO : STDERR_FILENO, payload);
  });
  if (!used || *used != frames.size()) {
    std::cerr << "agentctl: agentd's reply is not a stream of output frames; is what answers at its address agentd "
                 "(agentctl info)?\n";
    exitCode = kExitAgentError;
    return false;
  }
  if (!written) exitCode = kExitAgentError;  // our own stdout or stderr is closed: nobody to tell
  return written;
}

}  // namespace

std::optional<HttpReply> Commands::exchange(const std::string& method, const std::string& path,
                                            const std::optional<nlohmann::json>& body, int& exitCode,
                                            long timeoutSeconds) {
  if (!connect(exitCode)) return std::nullopt;
  auto reply = client_->exchange(method, path, body, timeoutSeconds);
  if (!reply) {
    reportUnanswered(reply.error(), method, "", exitCode);
    return std::nullopt;
  }
  if (reply->status >= 400) {
    std::cerr << "agentctl: " << refusal(reply->status, nlohmann::json::parse(reply->body, nullptr, false)) << '\n';
    exitCode = kExitAgentError;
    return std::nullopt;
  }
  exitCode = kExitOk;
  return std::optional<HttpReply>(std::move(*reply));
}

std::optional<Commands::OutputEnd> Commands::streamOutput(const OutputRequest& request, std::optional<uint64_t> offset,
                                                          int& exitCode) {
  if (!connect(exitCode)) return std::nullopt;
  LeaseKeeper keeper(&*client_, request.route, request.reader);
  OutputEnd end;
  bool first = true;
  while (true) {
    std::string query = "?wait_ms=" + std::to_string(request.follow ? kWaitMs : 0);
    if (offset)
      query += "&offset=" + std::to_string(*offset);
    else if (first && request.tail >= 0)
      query += "&tail=" + std::to_string(request.tail);
    if (!request.reader.empty()) query += "&reader=" + request.reader;
    if (request.remove) query += "&remove=1";
    first = false;
    auto reply = exchange(request.method, request.route + query, std::nullopt, exitCode, 60);
    if (!reply) return std::nullopt;
    auto next = text::toU64(reply->header("Agent-Log-Offset"));
    if (!next) {
      std::cerr << "agentctl: agentd's reply has no Agent-Log-Offset header, so it is an older agentd than this "
                   "agentctl; use the agentctl of its version\n";
      exitCode = kExitAgentError;
      return std::nullopt;
    }
    if (auto lost = text::toU64(reply->header("Agent-Log-Lost")); lost && *lost > 0) {
      end.lostBytes += *lost;
      std::cerr << "agentctl: " << *lost << " bytes of output were rotated away before they could be read\n";
    }
    keeper.busy(*next);
    bool written = writeFrames(reply->body, exitCode);
    keeper.idle();
    if (!written) return std::nullopt;
    offset = *next;
    if (reply->header("Agent-Log-End") == "1") {
      auto code = text::toI64(reply->header("Agent-Exit-Code"));
      end.exitCode = code ? static_cast<int>(*code) : -1;
      return end;
    }
    if (!request.follow && reply->header("Agent-Log-Caught-Up") == "1") return end;
  }
}

int Commands::logs(const std::string& id, bool follow, long tail) {
  int exitCode = kExitOk;
  OutputRequest request;
  request.method = "GET";
  request.route = "/v1/containers/" + escapeQuery(id) + "/logs";
  request.follow = follow;
  request.tail = tail;
  auto end = streamOutput(request, std::nullopt, exitCode);
  return end ? kExitOk : exitCode;
}

int Commands::exec(const std::string& id, const std::vector<std::string>& command, const ExecAs& as) {
  int exitCode = kExitOk;
  nlohmann::json body{{"command", command}};
  if (!as.user.empty()) body["user"] = as.user;
  if (!as.workdir.empty()) body["workdir"] = as.workdir;
  auto reply = exchange("POST", "/v1/containers/" + escapeQuery(id) + "/exec", body, exitCode, 3600);
  if (!reply) return exitCode;
  auto code = text::toI64(reply->header("Agent-Exit-Code"));
  if (wantsJson()) {
    nlohmann::json result = {{"exit_code", code.value_or(-1)}, {"stdout", ""}, {"stderr", ""}};
    (void)forEachFrame(reply->body, [&](OutputStream stream, std::string_view payload) {
      result[stream == OutputStream::Stdout ? "stdout" : "stderr"] =
          result[stream == OutputStream::Stdout ? "stdout" : "stderr"].get<std::string>() + std::string(payload);
    });
    std::cout << result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return code ? static_cast<int>(*code) : kExitAgentError;  // as without --output json
  }
  if (!writeFrames(reply->body, exitCode)) return exitCode;
  return code ? static_cast<int>(*code) : kExitAgentError;
}

}  // namespace agent::ctl

// agentctl's terminals: `run -it`, `run -i`, `attach`. The bytes go through the API's
// hijacked stream (HijackedStream.h), the window size by POST .../resize at the start and on
// each SIGWINCH; Ctrl-P Ctrl-Q detaches (the container runs on); at the stream's end the
// container's exit code becomes agentctl's.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <thread>
#include <variant>

#include "Commands.h"
#include "DetachKeys.h"
#include "FdWrite.h"
#include "HijackedStream.h"
#include "TerminalMode.h"

namespace agent::ctl {

using nlohmann::json;

std::optional<HijackedStream> Commands::openStream(const std::string& id, int& exitCode, std::string* refusedWhy) {
  if (!connect(exitCode)) return std::nullopt;
  auto opened = openHijackedStream(client_->endpoint(),
                                   "/v1/containers/" + escapeQuery(id) + "/attach?stream=1&stdin=1&stdout=1&stderr=1");
  if (!opened) {
    reportUnanswered(opened.error(), "POST", "", exitCode);
    return std::nullopt;
  }
  if (auto* refused = std::get_if<StreamRefused>(&*opened)) {
    std::string why = refusal(refused->status, refused->body);
    if (refusedWhy)
      *refusedWhy = why;
    else
      std::cerr << "agentctl: " << why << '\n';
    exitCode = kExitAgentError;
    return std::nullopt;
  }
  return std::move(std::get<HijackedStream>(*opened));
}

// A short command (`run -t busybox echo hi`) may end, and its shim with it, before agentctl
// asks for the stream: its terminal's output is in the log, and its exit code is kept.
std::optional<int> Commands::replayEnded(const std::string& id, bool remove) {
  if (!client_) return std::nullopt;
  auto reply = client_->call("GET", "/v1/containers/" + escapeQuery(id), std::nullopt, 10);
  if (!reply || reply->status != 200 || reply->body.value("state", "") != "stopped") return std::nullopt;
  int exitCode = kExitOk;
  OutputRequest request;
  request.method = "GET";
  request.route = "/v1/containers/" + escapeQuery(id) + "/logs";
  request.follow = false;
  if (!streamOutput(request, std::nullopt, exitCode)) return exitCode;
  int code = reply->body.value("exit_code", kExitAgentError);
  if (remove) call("DELETE", "/v1/containers/" + escapeQuery(id), std::nullopt, exitCode);
  return code;
}

void Commands::sendWindowSize(const std::string& id) {
  unsigned rows = 0, columns = 0;
  if (!windowSize(STDIN_FILENO, rows, columns)) return;
  // Best effort: a container that just stopped has no terminal to resize.
  if (client_)
    (void)client_->call("POST", "/v1/containers/" + escapeQuery(id) + "/resize?h=" + std::to_string(rows) +
                                    "&w=" + std::to_string(columns));
}

int Commands::terminalSession(const std::string& id, const std::string& shown, bool tty, bool sendStdin, bool remove,
                              bool justStarted) {
  int exitCode = kExitOk;
  std::string refused;
  auto stream = openStream(id, exitCode, &refused);
  if (!stream) {
    if (refused.empty()) return exitCode;  // unreachable: said already
    if (justStarted)
      if (auto ended = replayEnded(id, remove)) return *ended;
    std::cerr << "agentctl: " << refused << '\n';
    return exitCode;
  }
  int socket = stream->socket.get();
  bool detached = false, inputEnded = false;
  {
    std::optional<RawTerminal> raw;
    int winch = -1, signals = -1;
    if (tty) {
      // Raw only when agentctl's keys go to the container (-i); with -t alone its terminal
      // stays as it is and Ctrl-C is a signal, passed on to the container (docker's sig-proxy).
      if (sendStdin)
        raw.emplace(STDIN_FILENO);
      else
        signals = proxiedSignals();
      winch = windowChanges();
      sendWindowSize(id);
    }
    if (!writeAll(STDOUT_FILENO, stream->early)) return kExitAgentError;
    DetachKeys keys;
    bool stdinOpen = sendStdin;
    char buffer[16 * 1024];
    while (true) {
      pollfd fds[4] = {
          {stdinOpen ? STDIN_FILENO : -1, POLLIN, 0}, {socket, POLLIN, 0}, {winch, POLLIN, 0}, {signals, POLLIN, 0}};
      if (::poll(fds, 4, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[3].revents != 0) {
        char number = 0;
        while (::read(signals, &number, 1) == 1) {
          std::string name = ::sigabbrev_np(number) ? ::sigabbrev_np(number) : std::to_string(number);
          if (client_) (void)client_->call("POST", "/v1/containers/" + escapeQuery(id) + "/kill?signal=" + name);
        }
      }
      if (fds[2].revents != 0) {
        while (::read(winch, buffer, sizeof buffer) > 0) {
        }
        sendWindowSize(id);
      }
      if (fds[1].revents != 0) {
        ssize_t n = ::recv(socket, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the container's end (or agentd's)
        if (!writeAll(STDOUT_FILENO, std::string_view(buffer, static_cast<size_t>(n)))) break;
      }
      if (fds[0].revents != 0) {
        ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          // EOF: stdin's end passes on (run -i); a terminal's session goes on with its output.
          stdinOpen = false;
          inputEnded = true;
          if (!tty) ::shutdown(socket, SHUT_WR);
          continue;
        }
        std::string_view typed(buffer, static_cast<size_t>(n));
        std::string out = tty ? keys.filter(typed, detached) : std::string(typed);
        if (!out.empty() && !sendAll(socket, out)) break;
        if (detached) break;
      }
    }
  }  // the terminal is restored here, whatever the way out
  stream->socket.reset();
  if (detached) {
    // run --rm: agentctl will not be there when it stops; agentd removes it then (docker's
    // daemon-side --rm).
    if (remove && client_)
      (void)client_->call("POST", "/v1/containers/" + escapeQuery(id) + "/remove-on-exit", std::nullopt, 10);
    std::cerr << "\nagentctl: detached from container " << shown << "; it runs on (agentctl attach " << shown
              << " to come back)" << (remove ? ", and is removed when it stops" : "") << "\n";
    return kExitOk;
  }
  // attach to a -i container sends stdin only: its end is the session's, whatever the
  // container does next (its output: logs -f).
  if (!tty && inputEnded) return kExitOk;
  // The stream ends after the shim recorded the exit; a short wait covers agentd's side.
  auto waited = client_->call("POST", "/v1/containers/" + escapeQuery(id) + "/wait?t=5", std::nullopt, 10);
  if (!waited && isUnreachable(waited.error())) {
    // agentd went away mid-session: the shim holds the terminal, the container runs on.
    std::cerr << "\nagentctl: the stream of container " << shown
              << " ended because agentd stopped; the container runs on (its shim holds the terminal): agentctl "
                 "attach "
              << shown << " once agentd is back\n";
    return kExitUnreachable;
  }
  if (!waited || waited->status >= 400) {
    std::cerr << "agentctl: the stream of container " << shown << " ended and agentd did not say how: "
              << (waited ? refusal(waited->status, waited->body) : waited.error().message()) << '\n';
    return kExitAgentError;
  }
  const json& c = waited->body;
  if (c.value("state", "") != "stopped") {
    std::cerr << "agentctl: the stream of container " << shown
              << " ended but the container still runs (agentd restarted, or another client attached); agentctl attach "
              << shown << " to come back\n";
    return kExitAgentError;
  }
  int code = c.value("exit_code", kExitAgentError);
  if (remove) call("DELETE", "/v1/containers/" + escapeQuery(id), std::nullopt, exitCode);
  return code;
}

int Commands::streamStdin(const std::string& id) {
  int exitCode = kExitOk;
  std::string refused;
  auto stream = openStream(id, exitCode, &refused);
  if (!stream && !refused.empty()) {
    // A command that ended before reading its stdin needs none: its output and exit code
    // come from the log as for any run.
    auto c = client_->call("GET", "/v1/containers/" + escapeQuery(id), std::nullopt, 10);
    if (c && c->status == 200 && c->body.value("state", "") == "stopped") return kExitOk;
    std::cerr << "agentctl: " << refused << '\n';
  }
  if (!stream) return exitCode;
  // Stdin is copied on its own thread while this one follows the output through the log; the
  // thread may still wait on stdin when the container ends: agentctl exits without it.
  std::thread([socket = std::move(stream->socket)] {
    char buffer[16 * 1024];
    while (true) {
      ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0 || !sendAll(socket.get(), std::string_view(buffer, static_cast<size_t>(n)))) break;
    }
    ::shutdown(socket.get(), SHUT_WR);  // EOF: the container's stdin closes
    char drain[256];
    while (::recv(socket.get(), drain, sizeof drain, 0) > 0) {
    }
  }).detach();
  return kExitOk;
}

int Commands::attach(const std::string& id) {
  int exitCode = kExitOk;
  auto reply = call("GET", "/v1/containers/" + escapeQuery(id), std::nullopt, exitCode);
  if (!reply) return exitCode;
  const json& c = reply->body;
  std::string fullId = c.value("id", id);
  bool tty = c.value("tty", false);
  if (!tty && !c.value("open_stdin", false)) {
    std::cerr << "agentctl: container " << id
              << " has no terminal nor open stdin to attach to (run it with -it or -i); follow its output with "
                 "agentctl logs -f "
              << id << '\n';
    return kExitAgentError;
  }
  if (tty && !::isatty(STDIN_FILENO)) {
    std::cerr << "agentctl: container " << id << " has a terminal, and agentctl's input is not one; attach from a "
              << "terminal\n";
    return kExitUsage;
  }
  return terminalSession(fullId, id, tty, tty ? c.value("open_stdin", false) : true, false, false);
}

}  // namespace agent::ctl

// agentctl exec -it / -i (docs/agentctl.md): the command's terminal, or its stdin, through
// the API's hijacked exec stream (ExecHandlers.h); the window size at the start and on each
// SIGWINCH (POST /v1/execs/EID/resize); at the stream's end the command's exit code
// (GET /v1/execs/EID) becomes agentctl's. No detach keys: an exec's terminal is held for its
// client alone (ExecStreams.h), so Ctrl-P Ctrl-Q are the command's bytes as any others.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <thread>
#include <variant>

#include "Commands.h"
#include "FdWrite.h"
#include "HijackedStream.h"
#include "StreamFrames.h"
#include "TerminalMode.h"

namespace agent::ctl {

using nlohmann::json;

namespace {

// A header's value in a reply head ("Name: value\r\n" lines), matched without case.
std::string headerOf(const std::string& head, std::string_view name) {
  size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string::npos) {
    at += 2;
    size_t colon = head.find(':', at), end = head.find("\r\n", at);
    if (colon == std::string::npos || colon > end || colon - at != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size(); ++i) same = same && std::tolower(head[at + i]) == std::tolower(name[i]);
    if (!same) continue;
    std::string value = head.substr(colon + 1, end - colon - 1);
    size_t first = value.find_first_not_of(' ');
    return first == std::string::npos ? std::string() : value.substr(first);
  }
  return {};
}

bool sizeOfTerminal(unsigned& rows, unsigned& columns) {
  return windowSize(STDIN_FILENO, rows, columns) || windowSize(STDOUT_FILENO, rows, columns);
}

}  // namespace

int Commands::execStream(const std::string& id, const std::vector<std::string>& command, bool interactive, bool tty,
                         const ExecAs& as) {
  if (tty && interactive && !::isatty(STDIN_FILENO)) {
    // As docker exec -it: a terminal's input must be one (raw mode, Ctrl-C as a byte).
    std::cerr << "agentctl: the input device is not a TTY: exec -it needs agentctl's input to be a terminal; run "
                 "it from one, or use -i alone\n";
    return kExitUsage;
  }
  int exitCode = kExitOk;
  if (!connect(exitCode)) return exitCode;
  json body = {{"command", command}, {"tty", tty}, {"stdin", interactive}};
  if (!as.user.empty()) body["user"] = as.user;
  if (!as.workdir.empty()) body["workdir"] = as.workdir;
  unsigned rows = 0, columns = 0;
  if (tty && sizeOfTerminal(rows, columns)) {
    body["rows"] = rows;
    body["columns"] = columns;
  }
  auto opened =
      openHijackedStream(client_->endpoint(), "/v1/containers/" + escapeQuery(id) + "/exec?stream=1", body.dump());
  if (!opened) {
    reportUnanswered(opened.error(), "POST", "the command may have been started", exitCode);
    return exitCode;
  }
  if (auto* refused = std::get_if<StreamRefused>(&*opened)) {
    std::cerr << "agentctl: " << refusal(refused->status, refused->body) << '\n';
    return kExitAgentError;
  }
  HijackedStream stream = std::move(std::get<HijackedStream>(*opened));
  std::string execId = headerOf(stream.head, "Agent-Exec-Id");
  int socket = stream.socket.get();
  auto resize = [&] {
    unsigned r = 0, c = 0;
    if (!execId.empty() && sizeOfTerminal(r, c))  // best effort: the command may have just ended
      (void)client_->call(
          "POST", "/v1/execs/" + escapeQuery(execId) + "/resize?h=" + std::to_string(r) + "&w=" + std::to_string(c));
  };

  if (tty) {
    std::optional<RawTerminal> raw;
    int winch = windowChanges();
    if (interactive) raw.emplace(STDIN_FILENO);
    if (!writeAll(STDOUT_FILENO, stream.early)) return kExitAgentError;
    bool stdinOpen = interactive;
    char buffer[16 * 1024];
    while (true) {
      pollfd fds[3] = {{stdinOpen ? STDIN_FILENO : -1, POLLIN, 0}, {socket, POLLIN, 0}, {winch, POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[2].revents != 0) {
        while (::read(winch, buffer, sizeof buffer) > 0) {
        }
        resize();
      }
      if (fds[1].revents != 0) {
        ssize_t n = ::recv(socket, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the command's end (or agentd's)
        if (!writeAll(STDOUT_FILENO, std::string_view(buffer, static_cast<size_t>(n)))) break;
      }
      if (fds[0].revents != 0) {
        ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          stdinOpen = false;  // a terminal's session goes on with its output
          continue;
        }
        if (!sendAll(socket, std::string_view(buffer, static_cast<size_t>(n)))) break;
      }
    }
  } else {
    // stdin copied on a thread; agentctl may exit while it still waits on stdin.
    if (interactive) {
      std::thread([socket] {
        char buffer[16 * 1024];
        while (true) {
          ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0 || !sendAll(socket, std::string_view(buffer, static_cast<size_t>(n)))) break;
        }
        ::shutdown(socket, SHUT_WR);  // EOF: the command's stdin closes
      }).detach();
    }
    std::string pending = std::move(stream.early);
    char buffer[16 * 1024];
    bool broken = false;
    while (!broken) {
      auto used = forEachFrame(pending, [&](OutputStream which, std::string_view payload) {
        if (!writeAll(which == OutputStream::Stderr ? STDERR_FILENO : STDOUT_FILENO, payload)) broken = true;
      });
      if (!used) {
        std::cerr << "agentctl: the exec's stream is not frames: " << used.error().message() << '\n';
        return kExitAgentError;
      }
      pending.erase(0, *used);
      ssize_t n = ::recv(socket, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending.append(buffer, static_cast<size_t>(n));
    }
  }

  // agentd keeps the command's exit code before it ends the stream.
  auto reply = client_->call("GET", "/v1/execs/" + escapeQuery(execId), std::nullopt, 10);
  if (!reply || reply->status >= 400 || !reply->body.contains("exit_code")) {
    std::cerr << "agentctl: the stream of the exec in " << id
              << " ended before the command did: agentd stopped or restarted (it hangs up the exec's terminal, "
                 "the command got SIGHUP) or the connection was cut; its exit code is unknown\n";
    return kExitUnreachable;
  }
  return reply->body.value("exit_code", kExitAgentError);
}

}  // namespace agent::ctl

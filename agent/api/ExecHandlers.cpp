#include "ExecHandlers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "RunRequestValidation.h"
#include "StreamFrames.h"
#include "TextParse.h"

namespace agent {

using nlohmann::json;

namespace {

// Writes all of `bytes` to `fd` (the client's non-blocking socket, or the command's terminal
// or pipe), giving up when `client` is shut down (agentd's end) or goes.
bool writeAll(int fd, std::string_view bytes, int client) {
  while (!bytes.empty()) {
    ssize_t n = fd == client ? ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT)
                             : ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd fds[2] = {{fd, POLLOUT, 0}, {fd == client ? -1 : client, 0, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) return false;
      if (fds[1].revents & (POLLHUP | POLLERR)) return false;
      continue;
    }
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void nonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

std::string newExecId() {
  std::random_device random;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  return id;
}

// The terminal both ways until the command's end (the master reads EIO once no process holds
// the slave) or the client's (its connection closed, or shut down at agentd's end). True:
// the command ended.
bool relayTerminal(int client, const std::string& early, int master, bool input) {
  nonBlocking(master);
  if (input && !writeAll(master, early, client)) return false;
  char buffer[16 * 1024];
  while (true) {
    pollfd fds[2] = {{client, POLLIN, 0}, {master, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[1].revents != 0) {
      ssize_t n = ::read(master, buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return true;  // EIO: the command and all it started have closed the terminal
      if (!writeAll(client, std::string_view(buffer, static_cast<size_t>(n)), client)) return false;
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::recv(client, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return false;  // with a terminal the client never half-closes: it is gone
      if (input && !writeAll(master, std::string_view(buffer, static_cast<size_t>(n)), client)) return false;
    }
  }
}

// stdin one way (the client's half-close closes it), stdout and stderr back as frames, until
// both are at their end (true) or the client is gone. The client's bytes wait in `pending`
// until the command's stdin takes them, while its output is read on: a command blocked writing
// its output reads no input, and a relay blocked writing that input would never read the
// output (cat given more than two pipes' worth while its reader is slow).
bool relayPipes(int client, const std::string& early, container::ExecStreams& streams) {
  if (streams.input.valid()) nonBlocking(streams.input.get());
  std::string pending = streams.input.valid() ? early : std::string();
  bool clientOpen = true;
  UniqueFd* outputs[2] = {&streams.output, &streams.errors};
  const OutputStream kinds[2] = {OutputStream::Stdout, OutputStream::Stderr};
  char buffer[16 * 1024];
  while (streams.output.valid() || streams.errors.valid()) {
    if (!clientOpen && pending.empty() && streams.input.valid()) streams.input.reset();  // stdin's end
    // After the client's half-close its socket is still watched: a hang-up is its end.
    pollfd fds[4] = {{client, static_cast<short>(clientOpen && pending.empty() ? POLLIN : 0), 0},
                     {streams.output.get(), POLLIN, 0},
                     {streams.errors.get(), POLLIN, 0},
                     {pending.empty() ? -1 : streams.input.get(), POLLOUT, 0}};
    if (::poll(fds, 4, -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (!clientOpen && (fds[0].revents & (POLLHUP | POLLERR))) return false;
    for (int i = 0; i < 2; ++i) {
      if (fds[i + 1].revents == 0) continue;
      ssize_t n = ::read(outputs[i]->get(), buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        outputs[i]->reset();
        continue;
      }
      std::string frame;
      appendFrame(frame, kinds[i], std::string_view(buffer, static_cast<size_t>(n)));
      if (!writeAll(client, frame, client)) return false;
    }
    if (fds[3].revents != 0) {
      ssize_t n = ::write(streams.input.get(), pending.data(), pending.size());
      if (n > 0) {
        pending.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
        streams.input.reset();  // the command closed its stdin: what comes next is dropped
        pending.clear();
      }
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::recv(client, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) return false;
      if (n == 0) {  // stdin's end, once what is pending went
        clientOpen = false;
        continue;
      }
      if (streams.input.valid()) pending.append(buffer, static_cast<size_t>(n));
    }
  }
  return true;
}

}  // namespace

void ExecHandlers::Registry::ended(const std::shared_ptr<Session>& session, int exitCode) {
  {
    std::lock_guard lock(session->mutex);
    session->exitCode = exitCode;
    session->terminal = -1;
  }
  std::lock_guard lock(mutex);
  finished.push_back(session->id);
  while (finished.size() > kKeptFinished) {
    sessions.erase(finished.front());
    finished.pop_front();
  }
}

ExecHandlers::ExecHandlers(container::ContainerRuntime& runtime)
    : runtime_(runtime), registry_(std::make_shared<Registry>()) {}

HttpResponse ExecHandlers::start(const std::string& id, const HttpRequest& request) {
  if (request.upgrade != "tcp")
    return errorResponse(400, "invalid",
                         "an exec's stream needs the connection: send `Connection: Upgrade` and `Upgrade: tcp` "
                         "(agentctl exec -it does)");
  json body = json::parse(request.body, nullptr, false);
  bool valid = !body.is_discarded() && body.is_object() && body.contains("command") && body["command"].is_array() &&
               !body["command"].empty();
  if (valid)
    for (const auto& arg : body["command"]) valid = valid && arg.is_string();
  for (const char* flag : {"tty", "stdin"}) valid = valid && (!body.contains(flag) || body[flag].is_boolean());
  for (const char* field : {"user", "workdir"}) valid = valid && (!body.contains(field) || body[field].is_string());
  for (const char* size : {"rows", "columns"})
    valid =
        valid && (!body.contains(size) || (body[size].is_number_unsigned() && body[size].get<uint64_t>() <= 0xffff));
  if (!valid)
    return errorResponse(400, "invalid",
                         "the exec stream's body is not {\"command\": [\"cmd\", ...], \"tty\": bool, \"stdin\": bool, "
                         "\"rows\": N, \"columns\": N, \"user\": \"...\", \"workdir\": \"/...\"}");
  container::ExecStreamOptions options;
  options.tty = body.value("tty", false);
  options.openStdin = body.value("stdin", false);
  options.rows = static_cast<uint16_t>(body.value("rows", 0u));
  options.columns = static_cast<uint16_t>(body.value("columns", 0u));
  options.as = container::ExecAs{body.value("user", ""), body.value("workdir", "")};
  if (auto validAs = container::validateExecAs(options.as.user, options.as.workingDir); !validAs)
    return errorResponse(validAs.error());
  if (!options.tty && !options.openStdin)
    return errorResponse(400, "invalid", "an exec's stream is for tty or stdin (or both); plain exec needs no stream");
  auto streams = runtime_.execStreams(id, body["command"].get<std::vector<std::string>>(), options);
  if (!streams) return errorResponse(streams.error());

  auto session = std::make_shared<Session>();
  session->id = newExecId();
  session->container = id;
  auto held = std::make_shared<container::ExecStreams>(std::move(*streams));
  session->terminal = held->terminal.get();
  {
    std::lock_guard lock(registry_->mutex);
    registry_->sessions[session->id] = session;
  }
  HttpResponse response;
  response.status = 101;
  response.headers = {{"Connection", "Upgrade"}, {"Upgrade", "tcp"}, {"Agent-Exec-Id", session->id}};
  response.upgrade = [registry = registry_, session, held, input = options.openStdin](int socket, std::string early) {
    bool commandEnded =
        held->tty ? relayTerminal(socket, early, held->terminal.get(), input) : relayPipes(socket, early, *held);
    if (commandEnded) {  // its exit code is known before the client sees the stream's end
      registry->ended(session, container::execExitCode(held->helper));
      return;
    }
    // The client is gone (or agentd is stopping): the terminal is hung up (SIGHUP to the
    // command, as when an ssh connection drops), the pipes closed; the exit is waited for
    // apart, not to hold the server's end.
    {
      std::lock_guard lock(session->mutex);
      session->terminal = -1;
    }
    held->terminal.reset();
    held->input.reset();
    held->output.reset();
    held->errors.reset();
    std::thread([registry, session, helper = held->helper] {
      registry->ended(session, container::execExitCode(helper));
    }).detach();
  };
  return response;
}

std::shared_ptr<ExecHandlers::Session> ExecHandlers::find(const std::string& execId) {
  std::lock_guard lock(registry_->mutex);
  auto found = registry_->sessions.find(execId);
  return found == registry_->sessions.end() ? nullptr : found->second;
}

HttpResponse ExecHandlers::resize(const std::string& execId, const HttpRequest& request) {
  auto rows = text::toU64(request.queryValue("h")), columns = text::toU64(request.queryValue("w"));
  if (!rows || !columns || *rows == 0 || *columns == 0 || *rows > 0xffff || *columns > 0xffff)
    return errorResponse(400, "invalid", "resize needs h (rows) and w (columns), each from 1 to 65535");
  auto session = find(execId);
  if (!session) return errorResponse(404, "not_found", "no exec " + execId + " (agentd knows those of its own life)");
  std::lock_guard lock(session->mutex);
  if (session->terminal < 0)
    return errorResponse(409, "conflict", "exec " + execId + " has no terminal (now): it ended, or it has no -t");
  winsize window{static_cast<unsigned short>(*rows), static_cast<unsigned short>(*columns), 0, 0};
  ::ioctl(session->terminal, TIOCSWINSZ, &window);  // the kernel sends SIGWINCH to its foreground
  return HttpResponse{200, {{"rows", *rows}, {"columns", *columns}}};
}

HttpResponse ExecHandlers::inspect(const std::string& execId) {
  auto session = find(execId);
  if (!session)
    return errorResponse(404, "not_found",
                         "no exec " + execId + ": agentd knows the execs of its own life (the last " +
                             std::to_string(kKeptFinished) + " ended ones), not those from before it restarted");
  std::lock_guard lock(session->mutex);
  json body = {{"id", session->id}, {"container", session->container}, {"running", !session->exitCode}};
  if (session->exitCode) body["exit_code"] = *session->exitCode;
  return HttpResponse{200, body};
}

}  // namespace agent

#include "ExecHelperArgs.h"

#include "TextParse.h"

namespace agent::container {

std::vector<std::string> execHelperArgs(const std::string& argv0, const ExecHelperRequest& request) {
  std::vector<std::string> argv{argv0, std::string(kExecHelperFlag)};
  for (int fd : request.namespaceFds) {
    argv.push_back("--ns");
    argv.push_back(std::to_string(fd));
  }
  if (request.rootFd >= 0) {
    argv.push_back("--root");
    argv.push_back(std::to_string(request.rootFd));
  }
  argv.push_back("--caps");
  argv.push_back(std::to_string(request.capabilities));
  if (!request.seccompFilterPath.empty()) {
    argv.push_back("--seccomp");
    argv.push_back(request.seccompFilterPath);
  }
  if (!request.user.empty()) {
    argv.push_back("--user");
    argv.push_back(request.user);
  }
  argv.push_back("--cwd");
  argv.push_back(request.cwd);
  for (const auto& entry : request.env) {
    argv.push_back("--env");
    argv.push_back(entry);
  }
  if (request.keepStdin) argv.push_back("--stdin");
  if (request.terminalFd >= 0) {
    argv.push_back("--tty");
    argv.push_back(std::to_string(request.terminalFd) + "," + std::to_string(request.rows) + "," +
                   std::to_string(request.columns));
  }
  argv.push_back("--");
  argv.insert(argv.end(), request.args.begin(), request.args.end());
  return argv;
}

Result<ExecHelperRequest> parseExecHelperArgs(const std::vector<std::string_view>& args) {
  auto bad = [](std::string why) {
    return logicError("read the exec helper's arguments (" + why + "; it is started by agentd only)", "");
  };
  if (args.empty() || args[0] != kExecHelperFlag) return bad("no " + std::string(kExecHelperFlag));
  ExecHelperRequest request;
  size_t i = 1;
  for (; i < args.size() && args[i] != "--"; i += 2) {
    if (args[i] == "--stdin") {  // a flag: no value
      request.keepStdin = true;
      --i;
      continue;
    }
    if (i + 1 >= args.size()) return bad(std::string(args[i]) + " without a value");
    if (args[i] == "--ns") {
      auto fd = text::toU64(args[i + 1]);
      if (!fd || *fd < 3 || *fd > 1u << 20) return bad("--ns " + std::string(args[i + 1]) + " is not a descriptor");
      request.namespaceFds.push_back(static_cast<int>(*fd));
    } else if (args[i] == "--root") {
      auto fd = text::toU64(args[i + 1]);
      if (!fd || *fd < 3 || *fd > 1u << 20) return bad("--root " + std::string(args[i + 1]) + " is not a descriptor");
      request.rootFd = static_cast<int>(*fd);
    } else if (args[i] == "--caps") {
      auto bits = text::toU64(args[i + 1]);
      if (!bits) return bad("--caps " + std::string(args[i + 1]) + " is not a capability set");
      request.capabilities = *bits;
    } else if (args[i] == "--seccomp") {
      request.seccompFilterPath = std::string(args[i + 1]);
    } else if (args[i] == "--tty") {
      std::string_view value = args[i + 1];
      auto next = [&value] {
        size_t comma = value.find(',');
        auto number = text::toU64(value.substr(0, comma));
        value.remove_prefix(comma == std::string_view::npos ? value.size() : comma + 1);
        return number;
      };
      auto fd = next(), rows = next(), columns = next();
      if (!fd || *fd < 3 || *fd > 1u << 20 || !rows || *rows > 0xffff || !columns || *columns > 0xffff ||
          !value.empty())
        return bad("--tty " + std::string(args[i + 1]) + " is not FD,ROWS,COLUMNS");
      request.terminalFd = static_cast<int>(*fd);
      request.rows = static_cast<uint16_t>(*rows);
      request.columns = static_cast<uint16_t>(*columns);
    } else if (args[i] == "--user") {
      request.user = std::string(args[i + 1]);
    } else if (args[i] == "--cwd") {
      if (args[i + 1].empty() || args[i + 1].front() != '/')
        return bad("--cwd " + std::string(args[i + 1]) + " is not absolute");
      request.cwd = std::string(args[i + 1]);
    } else if (args[i] == "--env") {
      request.env.emplace_back(args[i + 1]);
    } else {
      return bad("unknown option " + std::string(args[i]));
    }
  }
  if (i >= args.size() || i + 1 >= args.size()) return bad("no command after --");
  for (++i; i < args.size(); ++i) request.args.emplace_back(args[i]);
  return request;
}

}  // namespace agent::container

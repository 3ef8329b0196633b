#include "Nftables.h"

#include <nftables/libnftables.h>

#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace agent::net {
namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// The error's lines: "[LOCATION: ]Error: MESSAGE", then the command, then the carets.
struct FirstError {
  std::string_view message;
  std::string_view command;
};

FirstError firstError(std::string_view buffer) {
  FirstError found;
  bool takeNext = false;
  while (!buffer.empty()) {
    size_t end = buffer.find('\n');
    std::string_view line = buffer.substr(0, end);
    buffer = end == std::string_view::npos ? std::string_view{} : buffer.substr(end + 1);
    if (takeNext) {
      found.command = trimmed(line);
      break;
    }
    size_t at = line.find("Error: ");
    if (at == std::string_view::npos) continue;
    found.message = trimmed(line.substr(at + 7));
    if (found.message.ends_with('.')) found.message.remove_suffix(1);
    takeNext = true;
  }
  return found;
}

}  // namespace

void Nftables::Free::operator()(nft_ctx* ctx) const {
  nft_ctx_free(ctx);
}

Result<Nftables> Nftables::open() {
  // libnftables exits the process where it cannot open this socket (see Nftables.h): ask first.
  int probe = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (probe < 0)
    return userError("nftables is not available here (no netfilter netlink socket: " +
                         std::string(std::strerror(errno)) + "); a kernel with nf_tables is needed for --net bridge",
                     ENOPROTOOPT);
  ::close(probe);
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return systemError("create an nftables context", "", ENOMEM);
  Nftables nftables(ctx);
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0)
    return systemError("buffer the output of an nftables context", "", ENOMEM);
  return nftables;
}

Result<std::string> Nftables::run(const std::string& script, std::string_view what) {
  int status = nft_run_cmd_from_buffer(ctx_.get(), script.c_str());
  // Both buffers are read after every run: reading one also empties it for the next.
  const char* printed = nft_ctx_get_output_buffer(ctx_.get());
  const char* complaints = nft_ctx_get_error_buffer(ctx_.get());
  std::string output = printed ? printed : "";
  std::string errors = complaints ? complaints : "";
  if (status != 0) return tl::unexpected(Error{EINVAL, "", nftablesErrorSentence(what, errors), true});
  return output;
}

std::string nftablesErrorSentence(std::string_view what, std::string_view errorBuffer) {
  FirstError error = firstError(errorBuffer);
  std::string sentence = "nftables refused to " + std::string(what);
  if (error.message.empty()) return sentence + " and gave no reason.";
  sentence += ": " + std::string(error.message);
  if (!error.command.empty()) sentence += " (at `" + std::string(error.command) + "`)";
  return sentence + ".";
}

}  // namespace agent::net

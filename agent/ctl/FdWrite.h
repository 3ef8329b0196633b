#pragma once
// Whole writes for agentctl's streams: a terminal's bytes to stdout, a client's keys to a
// hijacked API socket. Short writes are continued and EINTR retried.
#include <string_view>

namespace agent::ctl {

// write(2) until every byte is out; false when the descriptor refuses (closed, error).
bool writeAll(int fd, std::string_view bytes);
// send(2) with MSG_NOSIGNAL (a peer gone is false, not SIGPIPE) until every byte is out.
bool sendAll(int fd, std::string_view bytes);

}  // namespace agent::ctl

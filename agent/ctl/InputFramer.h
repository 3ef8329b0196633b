#pragma once
// agentctl's half of framed input (InputFrames.h), for streams over https: the caller gets a
// plain socket and keeps send, recv, poll and shutdown(SHUT_WR); a thread of its own sends
// what the caller writes as frames, and the caller's shutdown(SHUT_WR) as the end frame (TLS's
// close_notify does not reach agentd's session: libmicrohttpd 0.9.75), and a tick each 100 ms
// nothing else went; another thread passes what agentd sends back as it is.
#include "Error.h"
#include "UniqueFd.h"

namespace agent::ctl {

// `stream`: the upgraded connection (TlsTunnel.h's socket). Errors: the socketpair's.
Result<UniqueFd> frameInputOf(UniqueFd stream);

}  // namespace agent::ctl

#pragma once
// agentctl's TLS, for https:// URLs of agentd's API (api_tls_cert on agentd's side): OpenSSL's
// libssl, loaded with dlopen at the first https connection only. Linked, libssl and libcrypto
// cost every agentctl start, plain http included, about 0.8 ms more (docs/performance.md).
//
// The session runs on a thread of its own that relays it to one end of a socketpair: callers
// get a plain socket and keep poll, send, recv and shutdown(SHUT_WR) (which becomes TLS's
// close_notify; libmicrohttpd 0.9.75 on agentd's side does not pass that on, so upgraded
// streams end their input with a frame: InputFramer.h), as
// libmicrohttpd does on agentd's side.
#include <chrono>
#include <string>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::ctl {

struct TlsPeer {
  std::string host;    // verified against the certificate: a DNS name, or an IP address (SAN IP)
  std::string caFile;  // PEM CAs to trust (--tls-ca, AGENT_TLS_CA); empty: the system's
};

// The TLS handshake over the connected socket `tcp`, done by `deadline`. The socket returned
// is blocking or not as `tcp` was. Errors, one sentence each: EKEYREJECTED when the
// certificate is not trusted or not for `host`, ENOKEY when the CA file cannot be read or
// libssl cannot be loaded, ETIMEDOUT, ECONNABORTED (the peer closed; not TLS?).
Result<UniqueFd> openTlsTunnel(UniqueFd tcp, const TlsPeer& peer, std::chrono::steady_clock::time_point deadline);

}  // namespace agent::ctl

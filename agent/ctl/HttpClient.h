#pragma once
// A minimal HTTP/1.1 client for agentd's control API: HTTP to a host and port, on loopback,
// or https to a remote agentd (TlsTunnel.h), one request per connection, JSON in and out.
//
// Why not libcurl: agentctl is started once per command, and loading libcurl with the
// libraries Debian builds it against (TLS, HTTP/2, SSH, LDAP, Kerberos...) costs 4-5 ms per
// start here, more than the whole round trip to agentd. The API needs none of that.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"
#include "UniqueFd.h"

namespace agent::ctl {

// http://HOST:PORT[/PREFIX] or https://...; HOST may be a name, an IPv4 address or [IPv6].
struct HttpUrl {
  std::string host;  // without []
  std::string port;
  std::string prefix;   // prepended to every request path, without a trailing '/'
  bool tls = false;     // https: TlsTunnel.h, the certificate checked for `host`
  std::string tlsCa{};  // the CAs trusted for it (PEM file); empty: the system's
};
Result<HttpUrl> parseHttpUrl(std::string_view url);

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;
  // The value of header `name` (in any case), or "" without it.
  std::string header(std::string_view name) const;
};

// Parses a complete response (status line, headers, body with Content-Length, chunked, or
// up to the end of the connection). EPROTO if it is not HTTP.
Result<HttpReply> parseHttpResponse(std::string_view raw);

struct HttpRequestLine {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// True if `raw` is the beginning of a reply the connection's end cut short (nothing, part of
// the head, part of the body), not a reply that is malformed.
bool replyIsCutShort(std::string_view raw);

// Sends one request and reads the whole reply. ECONNREFUSED when nothing listens (or the
// name does not resolve), ECONNABORTED when agentd closed the connection before a whole
// reply (it stopped or restarted), ETIMEDOUT after `timeout`.
Result<HttpReply> httpExchange(const HttpUrl& url, const HttpRequestLine& request, std::chrono::milliseconds timeout);

// A connected non-blocking socket to `url` (HttpUpload.h), through TLS for https; errors as
// httpExchange's, and TlsTunnel.h's.
Result<UniqueFd> httpConnect(const HttpUrl& url, std::chrono::milliseconds timeout);

}  // namespace agent::ctl

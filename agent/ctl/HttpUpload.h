#pragma once
// A request whose body is a file or a pipe (an image archive, however large), sent as it is
// read, and a reply whose chunked body is handed over as it arrives (an image load's progress
// lines). The rest of HttpClient.h's one-request-per-connection exchange.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "Error.h"
#include "HttpClient.h"

namespace agent::ctl {

// Sends `request` (its `body` unused) with the bytes of `bodyFd` up to its end: Content-Length
// `length` when known (a file), else chunked (a pipe). agentd may answer before the end (a
// refusal, 413): sending stops and its reply is returned. A chunked reply's body goes to
// `onBody` as it is decoded (the returned reply's body is then empty); another is returned
// whole. Errors as httpExchange's; ETIMEDOUT when agentd takes or sends nothing for `idle`;
// a read error of `bodyFd` is EIO naming `bodyName`.
Result<HttpReply> httpUpload(const HttpUrl& url, const HttpRequestLine& request, int bodyFd,
                             std::optional<uint64_t> length, const std::string& bodyName,
                             const std::function<void(std::string_view)>& onBody, std::chrono::milliseconds idle);

}  // namespace agent::ctl

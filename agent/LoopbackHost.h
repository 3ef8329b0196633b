#pragma once
// Whether a listen address's host is reached from this machine only. Used by the load rule of
// the control API (plain HTTP only on loopback: ApiTlsConfig.h) and by the web view's actions
// (only on a loopback metrics port: WebView.h).
#include <string_view>

namespace agent {

// `host` as in an address "HOST:PORT" or "[HOST]:PORT": "", "0.0.0.0", "[::]", a name or an
// address. True for 127.0.0.0/8, ::1 and `localhost`; every interface ("" or 0.0.0.0) and any
// other name or address is reachable from elsewhere: false.
bool isLoopbackHost(std::string_view host);

}  // namespace agent

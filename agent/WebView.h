#pragma once
// The web view on the metrics port (docs/web.md): server-side HTML with every figure in the
// DOM and charts as inline SVG, so a page needs no script and no CDN to show what it shows.
//   GET /                       the host and its containers (the agent's and other engines'):
//                               state, CPU %, memory and pids against their limits, paused,
//                               and which override or policy set each limit
//   GET /containers/<ref>       one container (id, unique id prefix or name) with 10 minutes
//                               of CPU, memory and pids from ContainerHistory
//   GET /web/view.css, view.js  the stylesheet; the script that keeps the pasted API token in
//                               sessionStorage and sends the forms below with it
//   POST /ui/containers/<ref>/pause|resume|limit
//                               the control API's own handlers (ControlApi: POST
//                               /v1/containers/<ref>/pause, resume; PATCH .../limits with the
//                               JSON body {"cpu": "50%", "memory": "256Mi", "pids": 100}),
//                               with the API token as `Authorization: Bearer`. Refused (403)
//                               when the metrics port listens beyond loopback: the token would
//                               cross the network in clear. No cookie is ever used, so another
//                               site's form cannot act in a user's name (no CSRF).
// The figures are the ones `agentctl stats` shows (collectors::statsRows over the snapshots
// LatestSnapshot keeps); which policy set a limit is what `agentctl policy explain` says
// (policies::resolve through LimitService::desiredFor).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ContainerHistory.h"
#include "Desired.h"
#include "HttpApi.h"
#include "HttpServer.h"
#include "LatestSnapshot.h"
#include "LimitTarget.h"
#include "LoopbackHost.h"

namespace agent {

class WebView {
 public:
  struct Options {
    std::string hostname;
    std::string version;
    // Controls are served only on a loopback listener; `controlsOff` says why they are not.
    bool controls = false;
    std::string controlsOff;
    std::string token;  // the API token (STATE_DIR/token)
  };
  // What a container's limits should be and why (LimitService::desiredFor).
  using DesiredOf = std::function<policies::Desired(const policies::LimitTarget&)>;
  // The control API's router (ControlApi::handle); the token was checked here already.
  using ControlCall = std::function<HttpResponse(const HttpRequest&)>;

  WebView(Options options, std::shared_ptr<LatestSnapshot> snapshots, std::shared_ptr<ContainerHistory> history,
          DesiredOf desiredOf, ControlCall control);

  // On the server's thread: a refusal needing no handler (404, 405, 403 controls off, 401
  // token), or nullopt for handle().
  std::optional<HttpServerReply> screen(const HttpServerRequest& request) const;
  HttpServerReply handle(const HttpServerRequest& request) const;

 private:
  HttpServerReply overview(const HttpServerRequest& request) const;
  HttpServerReply container(const std::string& ref, const HttpServerRequest& request) const;
  HttpServerReply action(const std::string& ref, const std::string& verb, const std::string& body) const;

  Options options_;
  std::shared_ptr<LatestSnapshot> snapshots_;
  std::shared_ptr<ContainerHistory> history_;
  DesiredOf desiredOf_;
  ControlCall control_;
};

}  // namespace agent

#include "WebView.h"

#include <arpa/inet.h>

#include <charconv>
#include <unordered_map>

#include "ApiToken.h"
#include "ContainerStats.h"
#include "DiscoveredRef.h"
#include "DiscoveredTarget.h"
#include "WebViewHtml.h"

namespace agent {

using collectors::CgroupSample;

namespace {

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    size_t slash = path.find('/');
    if (slash != 0) out.emplace_back(path.substr(0, slash));
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash + 1);
  }
  return out;
}

std::shared_ptr<const std::string> text(std::string body) {
  return std::make_shared<const std::string>(std::move(body));
}

HttpServerReply plain(int status, std::string body) {
  return HttpServerReply{status, "text/plain; charset=utf-8", {}, text(std::move(body) + "\n")};
}

// No script but the page's own file, nothing fetched from elsewhere, never framed.
HttpServerReply page(std::string html) {
  return HttpServerReply{200,
                         "text/html; charset=utf-8",
                         {{"Content-Security-Policy",
                           "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
                           "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
                          {"X-Content-Type-Options", "nosniff"},
                          {"Referrer-Policy", "no-referrer"},
                          {"Cache-Control", "no-store"}},
                         text(std::move(html))};
}

bool isPage(const std::vector<std::string>& parts) {
  return parts.empty() || (parts.size() == 2 && parts[0] == "containers") ||
         (parts.size() == 2 && parts[0] == "web" && (parts[1] == "view.css" || parts[1] == "view.js"));
}

bool isAction(const std::vector<std::string>& parts) {
  return parts.size() == 4 && parts[0] == "ui" && parts[1] == "containers" &&
         (parts[3] == "pause" || parts[3] == "resume" || parts[3] == "limit");
}

int refreshSeconds(const HttpServerRequest& request) {
  for (const auto& [key, value] : request.query) {
    int seconds = 0;
    if (key == "refresh" && std::from_chars(value.data(), value.data() + value.size(), seconds).ec == std::errc())
      return std::clamp(seconds, 0, 3600);
  }
  return 0;
}

policies::LimitTarget targetOf(const collectors::Snapshot& snapshot, const CgroupSample& sample) {
  if (sample.classification.runtime != collectors::Runtime::Agent) return discoveredTarget(snapshot, sample);
  policies::LimitTarget target{sample.classification.id, sample.name, sample.path, true, sample.labels, true};
  if (snapshot.agentContainers) {
    if (auto info = snapshot.agentContainers->find(target.key); info != snapshot.agentContainers->end())
      target.labels = info->second.labels;
  }
  return target;
}

}  // namespace

WebView::WebView(Options options, std::shared_ptr<LatestSnapshot> snapshots, std::shared_ptr<ContainerHistory> history,
                 DesiredOf desiredOf, ControlCall control)
    : options_(std::move(options)),
      snapshots_(std::move(snapshots)),
      history_(std::move(history)),
      desiredOf_(std::move(desiredOf)),
      control_(std::move(control)) {}

std::optional<HttpServerReply> WebView::screen(const HttpServerRequest& request) const {
  auto parts = segments(request.path);
  if (isAction(parts)) {
    if (request.method != "POST") return HttpServerReply{405, "text/plain", {{"Allow", "POST"}}, text("only POST\n")};
    if (!options_.controls) return plain(403, "403: " + options_.controlsOff);
    std::string header = request.header("authorization");  // outlives the view bearerToken returns
    auto given = bearerToken(header);
    bool equal = tokensEqual(given ? std::string(*given) : std::string(options_.token.size(), '\0'), options_.token);
    if (!given || !equal) {
      return plain(401, std::string("401: ") + (given ? "wrong" : "no") +
                            " API token: paste the one in agentd's STATE_DIR/token (default /run/agent/token) "
                            "into the page's token box, or send Authorization: Bearer TOKEN");
    }
    return std::nullopt;
  }
  if (isPage(parts)) {
    if (request.method != "GET" && request.method != "HEAD")
      return HttpServerReply{405, "text/plain", {{"Allow", "GET"}}, text("only GET is served here\n")};
    return std::nullopt;
  }
  return plain(404,
               "404: this port serves GET /metrics (Prometheus text format), the web view at GET / and "
               "/containers/<id>, and its actions under POST /ui/; agentd's API is at its api_address "
               "(default 127.0.0.1:9102)");
}

HttpServerReply WebView::handle(const HttpServerRequest& request) const {
  auto parts = segments(request.path);
  if (isAction(parts)) return action(parts[2], parts[3], request.body);
  if (parts.empty()) return overview(request);
  if (parts[0] == "containers") return container(parts[1], request);
  bool css = parts[1] == "view.css";
  HttpServerReply reply{200,
                        css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
                        {{"X-Content-Type-Options", "nosniff"}, {"Cache-Control", "no-cache"}},
                        text(std::string(css ? web::styleSheet() : web::script()))};
  return reply;
}

namespace {

// A row of `agentctl stats` as the page shows it, with its limits and what set them.
web::ContainerView viewOf(const collectors::Snapshot& snapshot, const collectors::StatsRow& row,
                          const CgroupSample* sample, const WebView::DesiredOf& desiredOf) {
  web::ContainerView v;
  v.id = row.id;
  v.name = row.name;
  v.runtime = std::string(collectors::runtimeName(row.runtime));
  v.image = row.image;
  v.state = row.state;
  v.cgroupPath = row.cgroupPath;
  v.paused = row.state == "paused";
  v.cpuPercent = row.cpuPercent;
  v.memoryBytes = row.memoryUsageBytes;
  v.pids = row.pids;
  if (row.memoryLimited && row.memoryLimitBytes) v.memory.value = static_cast<double>(*row.memoryLimitBytes);
  if (row.pidsLimit) v.pidsLimit.value = static_cast<double>(*row.pidsLimit);
  if (!sample) return v;
  if (sample->limits.cpu) v.cpu.value = sample->limits.cpu->cpus();
  v.labels = sample->labels;
  auto target = targetOf(snapshot, *sample);
  if (row.runtime == collectors::Runtime::Agent) v.labels = target.labels;
  if (!desiredOf) return v;
  auto desired = desiredOf(target);
  v.matchedPolicies = desired.matched;
  for (auto [resource, limit] :
       {std::pair{policies::Resource::Cpu, &v.cpu}, std::pair{policies::Resource::Memory, &v.memory},
        std::pair{policies::Resource::Pids, &v.pidsLimit}}) {
    if (auto why = desired.why.find(resource); why != desired.why.end())
      limit->source = why->second.writer().describe();
  }
  return v;
}

web::HostView hostViewOf(const WebView::Options& options, const collectors::Snapshot& snapshot, int refresh) {
  return web::HostView{.hostname = options.hostname,
                       .version = options.version,
                       .cgroupMode = snapshot.cgroupMode,
                       .cpus = snapshot.machineCpuCores,
                       .memoryBytes = snapshot.machineMemoryBytes,
                       .takenAtUnixMs = snapshot.takenAtUnixMs,
                       .controls = options.controls,
                       .controlsOff = options.controlsOff,
                       .refreshSeconds = refresh};
}

const CgroupSample* sampleAt(const collectors::Snapshot& snapshot, const std::string& path) {
  for (const auto& s : snapshot.cgroups)
    if (s.path == path) return &s;
  return nullptr;
}

}  // namespace

HttpServerReply WebView::overview(const HttpServerRequest& request) const {
  auto pair = snapshots_->withPrevious();
  if (!pair.latest) return plain(503, "503: agentd has not collected yet; reload in a second");
  const auto& latest = *pair.latest;
  std::unordered_map<std::string_view, const CgroupSample*> byPath;
  for (const auto& s : latest.cgroups) byPath.emplace(s.path, &s);
  std::vector<web::ContainerView> views;
  for (const auto& row : collectors::statsRows(latest, pair.previous.get(), collectors::StatsScope::AllContainers)) {
    auto found = byPath.find(row.cgroupPath);
    views.push_back(viewOf(latest, row, found == byPath.end() ? nullptr : found->second, desiredOf_));
  }
  return page(web::renderOverview(hostViewOf(options_, latest, refreshSeconds(request)), views));
}

HttpServerReply WebView::container(const std::string& ref, const HttpServerRequest& request) const {
  auto pair = snapshots_->withPrevious();
  if (!pair.latest) return plain(503, "503: agentd has not collected yet; reload in a second");
  auto found = collectors::statsRowFor(*pair.latest, pair.previous.get(), ref);
  if (!found.matches.empty()) return plain(409, "409: " + collectors::severalText(ref, found.matches));
  if (!found.row) return plain(404, "404: no container \"" + ref + "\" (the list is at /)");
  const auto& latest = *pair.latest;
  auto view = viewOf(latest, *found.row, sampleAt(latest, found.row->cgroupPath), desiredOf_);
  std::optional<ContainerHistory::Series> series;
  if (history_ && !found.row->cgroupPath.empty())
    series = history_->of(found.row->cgroupPath, latest.takenAtUnixMs - 10 * 60 * 1000);
  return page(web::renderContainerPage(hostViewOf(options_, latest, refreshSeconds(request)), view, series));
}

HttpServerReply WebView::action(const std::string& ref, const std::string& verb, const std::string& body) const {
  HttpRequest call;
  if (verb == "limit") {
    // The form's fields as the limit route takes them; empty ones are not asked for.
    auto fields = nlohmann::json::parse(body.empty() ? "{}" : body, nullptr, false);
    if (!fields.is_object()) return plain(400, "400: the body must be a JSON object, e.g. {\"cpu\": \"50%\"}");
    nlohmann::json asked = nlohmann::json::object();
    for (const char* key : {"cpu", "memory", "pids"}) {
      if (auto it = fields.find(key); it != fields.end() && !(it->is_string() && it->get<std::string>().empty()))
        asked[key] = it->is_number() ? nlohmann::json(it->dump()) : *it;  // the route takes "100", not 100
    }
    call.method = "PATCH";
    call.path = {"v1", "containers", ref, "limits"};
    call.body = asked.dump();
  } else {
    call.method = "POST";
    call.path = {"v1", "containers", ref, verb};
  }
  HttpResponse response;
  try {
    response = control_(call);
  } catch (const std::exception& e) {
    response = errorResponse(500, "internal", e.what());
  }
  // Done: a snapshot now, so that the page the browser loads next shows it (paused, the new
  // limit) rather than the state of up to a collection interval ago.
  if (response.status / 100 == 2) snapshots_->refreshNow();
  return toServerReply(response);
}

}  // namespace agent

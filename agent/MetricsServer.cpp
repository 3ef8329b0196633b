#include "MetricsServer.h"

#include <prometheus/text_serializer.h>
#include <zlib.h>

#include "UnixTime.h"

namespace agent {

std::string gzipCompress(std::string_view text) {
  z_stream stream{};
  // 15 window bits + 16: a gzip header and trailer around the deflate stream. Level 1: on
  // this repetitive text it still shrinks ~10x, at several times the speed of the default.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&stream, text.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

// What every scrape of one snapshot sends.
struct MetricsServer::Exposition {
  collectors::SnapshotPtr snapshot;
  std::shared_ptr<const std::string> text;
  std::once_flag gzipOnce;
  std::shared_ptr<const std::string> gzip;  // made at the first scrape that asks for it
};

MetricsServer::MetricsServer(std::shared_ptr<LatestSnapshot> snapshots, collectors::RenderOptions options)
    : snapshots_(std::move(snapshots)), options_(std::move(options)) {}

MetricsServer::~MetricsServer() {
  server_.reset();  // waits for scrapes in flight
}

void MetricsServer::add(std::shared_ptr<prometheus::Collectable> collectable) {
  std::lock_guard lock(mutex_);
  more_.push_back(std::move(collectable));
  exposition_.reset();  // the next scrape shows it
}

void MetricsServer::refreshWhenOlderThan(std::chrono::milliseconds maxAge, std::function<void()> refresh) {
  std::lock_guard lock(mutex_);
  maxAge_ = maxAge;
  refresh_ = std::move(refresh);
}

std::shared_ptr<MetricsServer::Exposition> MetricsServer::current() {
  std::lock_guard lock(mutex_);
  auto snapshot = snapshots_->latest();
  if (refresh_ && maxAge_.count() > 0 &&
      (!snapshot || nowUnixMs() - snapshot->takenAtUnixMs > static_cast<int64_t>(maxAge_.count()))) {
    refresh_();
    snapshot = snapshots_->latest();
  }
  // A scrape that arrives while another renders waits for that render instead of repeating it.
  if (exposition_ && exposition_->snapshot == snapshot) return exposition_;
  auto exposition = std::make_shared<Exposition>();
  exposition->snapshot = snapshot;
  std::string text = snapshot ? collectors::renderMetrics(*snapshot, options_) : std::string();
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : more_) {
    auto collected = c->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  text += prometheus::TextSerializer().Serialize(families);
  exposition->text = std::make_shared<const std::string>(std::move(text));
  exposition_ = exposition;
  return exposition;
}

MetricsServer::Body MetricsServer::body(bool gzip) {
  auto exposition = current();
  if (gzip) {
    std::call_once(exposition->gzipOnce, [&] {
      auto compressed = gzipCompress(*exposition->text);
      if (!compressed.empty()) exposition->gzip = std::make_shared<const std::string>(std::move(compressed));
    });
    if (exposition->gzip) return Body{exposition->gzip, true};
  }
  return Body{exposition->text, false};
}

// Answered on the server's thread at once: a method or path this port does not serve (and,
// for the web view's actions, a missing token).
std::optional<HttpServerReply> MetricsServer::screen(const HttpServerRequest& request) const {
  if (request.path == "/metrics") {
    if (request.method == "GET") return std::nullopt;
    static const auto kBody = std::make_shared<const std::string>("only GET is served here\n");
    return HttpServerReply{405, "text/plain", {{"Allow", "GET"}}, kBody};
  }
  if (web_) return web_->screen(request);
  static const auto kBody = std::make_shared<const std::string>(
      "404: this port serves GET /metrics only (Prometheus text format, no token); agentd's API, with "
      "/healthz, is at its api_address (default 127.0.0.1:9102)\n");
  return HttpServerReply{404, "text/plain", {}, kBody};
}

HttpServerReply MetricsServer::handle(const HttpServerRequest& request) {
  if (request.path != "/metrics" && web_) return web_->handle(request);
  auto body = this->body(request.header("accept-encoding").find("gzip") != std::string::npos);
  HttpServerReply reply{200, "text/plain; version=0.0.4; charset=utf-8", {}, body.text};
  if (body.gzip) reply.headers.emplace_back("Content-Encoding", "gzip");
  return reply;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& address,
                                                            std::shared_ptr<LatestSnapshot> snapshots,
                                                            collectors::RenderOptions options, NetworkAllowList allow,
                                                            std::shared_ptr<const WebView> web) {
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(snapshots), std::move(options)));
  server->web_ = std::move(web);
  HttpServerOptions http;
  http.address = address;
  http.flag = "--metrics-address";
  // A GET has none; the web view's actions a small JSON object (a limit form).
  http.maxBody = server->web_ ? 4096 : 0;
  http.allow = std::move(allow);
  MetricsServer* self = server.get();
  auto started = HttpServer::start(
      std::move(http), [self](const HttpServerRequest& request) { return self->screen(request); },
      [self](const HttpServerRequest& request) { return self->handle(request); });
  if (!started) return tl::unexpected(started.error());
  server->server_ = std::move(*started);
  const std::string& host = server->server_->host();
  server->url_ = "http://" + (host.empty() ? std::string("0.0.0.0") : host) + ":" +
                 std::to_string(server->server_->port()) + "/metrics";
  return server;
}

}  // namespace agent

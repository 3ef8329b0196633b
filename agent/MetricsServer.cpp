#include "MetricsServer.h"

#include <civetweb.h>
#include <prometheus/text_serializer.h>
#include <zlib.h>

#include <cstring>
#include <thread>

#include "CivetWebStop.h"
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
  stopCivetWeb(context_, host_);  // waits for requests in flight
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
    // A collection needs a normal stack; CivetWeb's worker threads have a small one (a 64 KiB
    // buffer of the inventory overflowed it: found by e2e, as a stack smash at exit).
    std::thread collect([this] { refresh_(); });
    collect.join();
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

int MetricsServer::handle(mg_connection* connection, void* self) {
  auto* server = static_cast<MetricsServer*>(self);
  const mg_request_info* info = mg_get_request_info(connection);
  if (std::strcmp(info->request_method, "GET") != 0) {
    static const char kReply[] = "only GET is served here\n";
    mg_printf(connection,
              "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Type: text/plain\r\n"
              "Content-Length: %zu\r\n\r\n%s",
              sizeof kReply - 1, kReply);
    return 405;
  }
  const char* accept = mg_get_header(connection, "Accept-Encoding");
  auto body = server->body(accept != nullptr && std::strstr(accept, "gzip") != nullptr);
  mg_printf(connection,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n%s"
            "Content-Length: %zu\r\n\r\n",
            body.gzip ? "Content-Encoding: gzip\r\n" : "", body.text->size());
  mg_write(connection, body.text->data(), body.text->size());
  return 200;
}

// Every path but /metrics. Without this handler CivetWeb answers such paths itself, and its
// reply overflowed the worker thread's small stack: `curl http://HOST:9101/` (a browser, a
// probe of /healthz, which is the API's, a scanner) ended agentd with a segfault.
int MetricsServer::notFound(mg_connection* connection, void*) {
  static const std::string kBody =
      "404: this port serves GET /metrics only (Prometheus text format, no token); agentd's API, with "
      "/healthz, is at its api_address (default 127.0.0.1:9102)\n";
  static const std::string kReply =
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(kBody.size()) +
      "\r\n\r\n" + kBody;
  mg_write(connection, kReply.data(), kReply.size());
  return 404;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& address,
                                                            std::shared_ptr<LatestSnapshot> snapshots,
                                                            collectors::RenderOptions options) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return userError("the metrics address \"" + address + "\" has no port; give it as HOST:PORT or :PORT", EINVAL);
  }
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  // CivetWeb takes "PORT" for every interface and "HOST:PORT" for one.
  std::string bind = host.empty() || host == "0.0.0.0" ? port : address;
  static const bool initialized = mg_init_library(0) != 0 || true;
  (void)initialized;
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(snapshots), std::move(options)));
  const char* civetOptions[] = {"listening_ports",    bind.c_str(), "num_threads", "2",
                                "request_timeout_ms", "10000",      nullptr};
  mg_callbacks callbacks{};
  server->context_ = mg_start(&callbacks, nullptr, civetOptions);
  if (server->context_ == nullptr) {
    return userError("cannot serve metrics on " + address +
                         ": the port is taken, or the host is not an address of this machine; give another "
                         "--metrics-address (port 0 picks a free one)",
                     EADDRINUSE);
  }
  // CivetWeb tries handlers in the order they were set: /metrics first, then everything else.
  mg_set_request_handler(server->context_, "/metrics$", &MetricsServer::handle, server.get());
  mg_set_request_handler(server->context_, "/", &MetricsServer::notFound, nullptr);
  mg_server_port bound[4];
  int count = mg_get_server_ports(server->context_, 4, bound);
  if (count <= 0) return userError("cannot serve metrics on " + address + ": CivetWeb bound no port", EADDRINUSE);
  server->host_ = host;
  server->url_ =
      "http://" + (host.empty() ? std::string("0.0.0.0") : host) + ":" + std::to_string(bound[0].port) + "/metrics";
  return server;
}

}  // namespace agent

#pragma once
// /metrics: an HttpServer (libmicrohttpd, HttpServer.h) serving the latest Snapshot in the Prometheus text format.
//
// The body is rendered once per snapshot, at the first scrape after it was published, and
// compressed once per snapshot when a scraper asks for gzip (Prometheus always does); every
// further scrape of that snapshot, from any number of Prometheus servers, sends the same
// bytes. The agent's own families kept in prometheus-cpp Collectables (API requests) are
// rendered into it with prometheus-cpp's TextSerializer, as of that first scrape.
//
// Why not prometheus-cpp's Exposer, as the first design said: for 1000 containers
// (~50,000 series, 4.4 MB) its path of ClientMetric objects, an ostream serializer that
// writes label values character by character, and a gzip per scrape at the default level
// took 95-140 ms per scrape here; this one takes a few ms (docs/performance.md).
#include <prometheus/collectable.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Error.h"
#include "HttpServer.h"
#include "LatestSnapshot.h"
#include "MetricsRenderer.h"
#include "NetworkAllowList.h"
#include "Snapshot.h"
#include "WebView.h"

namespace agent {

class MetricsServer {
 public:
  // `address` is HOST:PORT or :PORT (every interface); port 0 picks a free one. `allow`:
  // the networks served (`metrics_allow`); a connection from elsewhere is closed at accept.
  // `web`: the web view (WebView.h) served beside /metrics; null: /metrics alone.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& address,
                                                      std::shared_ptr<LatestSnapshot> snapshots,
                                                      collectors::RenderOptions options, NetworkAllowList allow = {},
                                                      std::shared_ptr<const WebView> web = nullptr);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // More families to serve beside the snapshot's (kept alive by the server).
  void add(std::shared_ptr<prometheus::Collectable> collectable);
  // `max_staleness`: a scrape that finds the latest snapshot older than `maxAge` calls
  // `refresh` (which publishes a new one) and serves that. One refresh at a time: scrapes
  // arriving meanwhile wait for it. 0 (the default) never refreshes.
  void refreshWhenOlderThan(std::chrono::milliseconds maxAge, std::function<void()> refresh);
  // e.g. http://127.0.0.1:9101/metrics
  const std::string& url() const { return url_; }

  // One scrape's body: the text, or its gzip (a valid gzip stream of the same text).
  struct Body {
    std::shared_ptr<const std::string> text;  // keeps the bytes alive while they are sent
    bool gzip = false;
  };
  Body body(bool gzip);

 private:
  struct Exposition;
  MetricsServer(std::shared_ptr<LatestSnapshot> snapshots, collectors::RenderOptions options);
  std::optional<HttpServerReply> screen(const HttpServerRequest& request) const;
  HttpServerReply handle(const HttpServerRequest& request);
  std::shared_ptr<Exposition> current();

  std::shared_ptr<LatestSnapshot> snapshots_;
  collectors::RenderOptions options_;
  std::mutex mutex_;  // guards more_ and exposition_; held while one snapshot is rendered
  std::vector<std::shared_ptr<prometheus::Collectable>> more_;
  std::shared_ptr<Exposition> exposition_;
  std::chrono::milliseconds maxAge_{0};
  std::function<void()> refresh_;
  std::string url_;
  std::shared_ptr<const WebView> web_;
  std::unique_ptr<HttpServer> server_;  // last: stopped first, while the rest is still there
};

// gzip (RFC 1952) of `text` at zlib's fastest level; empty on failure. Exposed for tests.
std::string gzipCompress(std::string_view text);

}  // namespace agent

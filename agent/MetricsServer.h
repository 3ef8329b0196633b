#pragma once
// /metrics: the prometheus-cpp Exposer (CivetWeb) serving the latest Snapshot, rendered on
// each scrape from whatever the collector published last (gzip when the scraper asks).
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <memory>
#include <mutex>
#include <string>

#include "Error.h"
#include "MetricsRenderer.h"
#include "Snapshot.h"

namespace agent {

class SnapshotCollectable : public prometheus::Collectable {
 public:
  explicit SnapshotCollectable(collectors::RenderOptions options) : options_(std::move(options)) {}
  void publish(collectors::SnapshotPtr snapshot);
  collectors::SnapshotPtr latest() const;
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  collectors::RenderOptions options_;
  mutable std::mutex mutex_;
  collectors::SnapshotPtr latest_;
};

class MetricsServer {
 public:
  // `address` is HOST:PORT or :PORT (every interface); port 0 picks a free one.
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& address,
                                                      std::shared_ptr<SnapshotCollectable> collectable);
  // More families to serve beside the snapshot's (kept alive by the server).
  void add(std::shared_ptr<prometheus::Collectable> collectable);
  // e.g. http://127.0.0.1:9101/metrics
  const std::string& url() const { return url_; }

 private:
  explicit MetricsServer(std::unique_ptr<prometheus::Exposer> exposer) : exposer_(std::move(exposer)) {}
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<SnapshotCollectable> collectable_;
  std::vector<std::shared_ptr<prometheus::Collectable>> more_;
  std::string url_;
};

}  // namespace agent

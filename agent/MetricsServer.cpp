#include "MetricsServer.h"

namespace agent {

void SnapshotCollectable::publish(collectors::SnapshotPtr snapshot) {
  std::lock_guard lock(mutex_);
  latest_ = std::move(snapshot);
}

collectors::SnapshotPtr SnapshotCollectable::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::vector<prometheus::MetricFamily> SnapshotCollectable::Collect() const {
  auto snapshot = latest();  // rendered outside the lock: the collector never waits for a scrape
  if (!snapshot) return {};
  return collectors::renderMetrics(*snapshot, options_);
}

void MetricsServer::add(std::shared_ptr<prometheus::Collectable> collectable) {
  exposer_->RegisterCollectable(collectable);
  more_.push_back(std::move(collectable));
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const std::string& address,
                                                            std::shared_ptr<SnapshotCollectable> collectable) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return logicError("serve metrics (the address must be HOST:PORT or :PORT)", address, EINVAL);
  }
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  // CivetWeb takes "PORT" for every interface and "HOST:PORT" for one.
  std::string bind = host.empty() || host == "0.0.0.0" ? port : address;
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    exposer = std::make_unique<prometheus::Exposer>(bind, 2);
  } catch (const std::exception& e) {
    return logicError(std::string("serve metrics (") + e.what() + "; is the port taken?)", address, EADDRINUSE);
  }
  exposer->RegisterCollectable(collectable);
  auto ports = exposer->GetListeningPorts();
  if (ports.empty()) return logicError("serve metrics (no port bound)", address, EADDRINUSE);
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(exposer)));
  server->collectable_ = std::move(collectable);
  server->url_ =
      "http://" + (host.empty() ? std::string("0.0.0.0") : host) + ":" + std::to_string(ports.front()) + "/metrics";
  return server;
}

}  // namespace agent

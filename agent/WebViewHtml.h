#pragma once
// The web view's pages (WebView.h) as HTML, from plain structs: no I/O, no snapshot, so unit
// tests feed them values and read the text. Every figure is in the DOM as text and as a
// data-* attribute with the raw number (a test, or a scraper of the page, reads those); the
// charts are inline SVG. Every string from the engines, the containers' records or the user
// (names, images, labels, ids, policy names) goes through escapeHtml.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ContainerHistory.h"

namespace agent::web {

// & < > " ' as entities: safe in text and in quoted attribute values.
std::string escapeHtml(std::string_view text);
// Percent-encodes all but unreserved characters (RFC 3986): a path segment of a link.
std::string escapePathSegment(std::string_view text);
// 1536 -> "1.5 KiB"; binary units as agentctl stats shows them.
std::string formatBytes(double bytes);

struct HostView {
  std::string hostname;
  std::string version;     // agentd's
  std::string cgroupMode;  // v1, v2, hybrid
  uint32_t cpus = 0;
  uint64_t memoryBytes = 0;
  int64_t takenAtUnixMs = 0;  // the snapshot shown
  // Pause/resume/limit forms are shown (to a browser holding the token) only when the metrics
  // port listens on loopback; else `controlsOff` says why they are not.
  bool controls = false;
  std::string controlsOff;
  int refreshSeconds = 0;  // a <meta refresh> when > 0
};

// One limit as the page shows it: the value in force (nullopt: none) and what set it.
struct LimitView {
  std::optional<double> value;  // CPUs, bytes or pids
  std::string source;           // "policy web-tier", "override", or "" (not set by the agent)
};

struct ContainerView {
  std::string id;  // the agent's id, or another engine's container id
  std::string name;
  std::string runtime;  // agent, docker, podman, containerd, lxc
  std::string image;
  std::string state;  // running, paused, ...
  std::string cgroupPath;
  bool paused = false;
  std::optional<double> cpuPercent;  // 100 = one CPU
  std::optional<uint64_t> memoryBytes;
  std::optional<uint64_t> pids;
  LimitView cpu, memory, pidsLimit;
  std::map<std::string, std::string> labels;
  std::vector<std::string> matchedPolicies;
};

// GET /: the host and a table of its containers.
std::string renderOverview(const HostView& host, const std::vector<ContainerView>& containers);
// GET /containers/<id>: one container, its limits and what set them, and 10 minutes of CPU,
// memory and pids from `history` (none: the charts say there is no sample yet).
std::string renderContainerPage(const HostView& host, const ContainerView& container,
                                const std::optional<ContainerHistory::Series>& history);
// A line chart of `values` (NaN: a gap) against `atUnixMs`, from `endUnixMs` - `spanMs` to
// `endUnixMs`, as an inline <svg> with its title, its largest value and the time axis.
std::string renderChart(std::string_view metric, std::string_view title, const std::vector<int64_t>& atUnixMs,
                        const std::vector<double>& values, int64_t endUnixMs, int64_t spanMs, bool bytes);

// The page's stylesheet and script (GET /web/view.css, /web/view.js): files of their own, so
// the Content-Security-Policy can forbid inline script.
std::string_view styleSheet();
std::string_view script();

}  // namespace agent::web

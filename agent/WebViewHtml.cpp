#include "WebViewHtml.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace agent::web {

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string escapePathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string formatBytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return text;
}

namespace {

std::string fixed(double value, int decimals) {
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string utcTime(int64_t unixMs) {
  std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

// A `data-NAME="value"` attribute with the raw number, or nothing when it is unknown.
template <typename T>
std::string dataAttribute(std::string_view name, const std::optional<T>& value, int decimals = 0) {
  if (!value) return "";
  return " data-" + std::string(name) + "=\"" + fixed(static_cast<double>(*value), decimals) + "\"";
}

std::string sourceText(const LimitView& limit) {
  if (limit.source.empty()) return "";
  return "<span class=\"source\" data-source=\"" + escapeHtml(limit.source) + "\">" + escapeHtml(limit.source) +
         "</span>";
}

std::string cpuCell(const ContainerView& c) {
  std::string text = c.cpuPercent ? fixed(*c.cpuPercent, 1) + " %" : "–";
  if (c.cpu.value) text += " <span class=\"of\">of " + fixed(*c.cpu.value * 100, 0) + " %</span>";
  return "<td class=\"cpu num\"" + dataAttribute("cpu-percent", c.cpuPercent, 2) +
         dataAttribute("cpu-limit-cpus", c.cpu.value, 3) + ">" + text + sourceText(c.cpu) + "</td>";
}

std::string memoryCell(const ContainerView& c) {
  std::string text = c.memoryBytes ? formatBytes(static_cast<double>(*c.memoryBytes)) : "–";
  text += c.memory.value ? " <span class=\"of\">of " + formatBytes(*c.memory.value) + "</span>"
                         : " <span class=\"of\">no limit</span>";
  return "<td class=\"memory num\"" + dataAttribute("memory-bytes", c.memoryBytes) +
         dataAttribute("memory-limit-bytes", c.memory.value) + ">" + text + sourceText(c.memory) + "</td>";
}

std::string pidsCell(const ContainerView& c) {
  std::string text = c.pids ? std::to_string(*c.pids) : "–";
  text += c.pidsLimit.value ? " <span class=\"of\">of " + fixed(*c.pidsLimit.value, 0) + "</span>"
                            : " <span class=\"of\">no limit</span>";
  return "<td class=\"pids num\"" + dataAttribute("pids", c.pids) + dataAttribute("pids-limit", c.pidsLimit.value) +
         ">" + text + sourceText(c.pidsLimit) + "</td>";
}

std::string head(const HostView& host, std::string_view title) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">";
  if (host.refreshSeconds > 0)
    out += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(host.refreshSeconds) + "\">";
  out += "<title>" + escapeHtml(title) +
         "</title><link rel=\"stylesheet\" href=\"/web/view.css\">"
         "<script src=\"/web/view.js\" defer></script></head>\n<body>\n";
  out += "<header><h1><a href=\"/\">" + escapeHtml(host.hostname) + "</a></h1><p class=\"host\">agentd " +
         escapeHtml(host.version) + " · cgroup " + escapeHtml(host.cgroupMode) + " · <span data-cpus=\"" +
         std::to_string(host.cpus) + "\">" + std::to_string(host.cpus) + " CPUs</span> · " +
         formatBytes(static_cast<double>(host.memoryBytes)) + " memory · as of <time data-unix-ms=\"" +
         std::to_string(host.takenAtUnixMs) + "\">" + utcTime(host.takenAtUnixMs) + "</time> · " +
         (host.refreshSeconds > 0 ? "<a href=\"?refresh=0\">stop refreshing</a>"
                                  : "<a href=\"?refresh=5\">refresh every 5 s</a>") +
         "</p>\n";
  if (host.controls) {
    out +=
        "<form id=\"token-form\" class=\"token\"><label>API token <input id=\"token-input\" type=\"password\" "
        "autocomplete=\"off\" placeholder=\"paste STATE_DIR/token\"></label> <button>Use</button> "
        "<button type=\"button\" id=\"token-forget\">Forget</button> <span id=\"token-state\"></span></form>\n";
  } else {
    out += "<p class=\"controls-off\">" + escapeHtml(host.controlsOff) + "</p>\n";
  }
  out += "</header>\n<main>\n";
  return out;
}

constexpr std::string_view kFoot = "</main>\n<p id=\"action-result\" role=\"status\"></p>\n</body></html>\n";

std::string actionForm(const ContainerView& c, std::string_view action, std::string_view label) {
  return "<form class=\"action\" method=\"post\" action=\"/ui/containers/" + escapePathSegment(c.id) + "/" +
         std::string(action) + "\"><button>" + std::string(label) + "</button></form>";
}

std::string pauseOrResume(const HostView& host, const ContainerView& c) {
  if (!host.controls || c.runtime != "agent") return "";
  return "<span class=\"controls\">" +
         (c.paused ? actionForm(c, "resume", "Resume") : actionForm(c, "pause", "Pause")) + "</span>";
}

}  // namespace

std::string renderOverview(const HostView& host, const std::vector<ContainerView>& containers) {
  std::string out = head(host, host.hostname + " · agentd");
  out += "<table id=\"containers\"><caption>" + std::to_string(containers.size()) +
         " containers</caption>\n<thead><tr><th>Name</th><th>Runtime</th><th>Image</th><th>State</th><th>CPU</th>"
         "<th>Memory</th><th>Pids</th><th></th></tr></thead>\n<tbody>\n";
  for (const auto& c : containers) {
    out += "<tr class=\"container\" data-id=\"" + escapeHtml(c.id) + "\" data-name=\"" + escapeHtml(c.name) +
           "\" data-state=\"" + escapeHtml(c.state) + "\" data-paused=\"" + (c.paused ? "true" : "false") + "\">";
    out += "<td class=\"name\"><a href=\"/containers/" + escapePathSegment(c.id) + "\">" + escapeHtml(c.name) +
           "</a></td>";
    out += "<td class=\"runtime\">" + escapeHtml(c.runtime) + "</td>";
    out += "<td class=\"image\">" + escapeHtml(c.image) + "</td>";
    out += "<td class=\"state " + std::string(c.paused ? "paused" : "") + "\">" + escapeHtml(c.state) + "</td>";
    out += cpuCell(c) + memoryCell(c) + pidsCell(c);
    out += "<td>" + pauseOrResume(host, c) + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
  out += std::string(kFoot);
  return out;
}

std::string renderContainerPage(const HostView& host, const ContainerView& c,
                                const std::optional<ContainerHistory::Series>& history) {
  std::string out = head(host, c.name + " · " + host.hostname);
  out += "<h2 id=\"container\" data-id=\"" + escapeHtml(c.id) + "\" data-name=\"" + escapeHtml(c.name) + "\">" +
         escapeHtml(c.name) + " <span class=\"state\">" + escapeHtml(c.state) + "</span> " + pauseOrResume(host, c) +
         "</h2>\n<dl class=\"facts\"><dt>id</dt><dd><code>" + escapeHtml(c.id) + "</code></dd><dt>runtime</dt><dd>" +
         escapeHtml(c.runtime) + "</dd><dt>image</dt><dd>" + escapeHtml(c.image) + "</dd><dt>cgroup</dt><dd><code>" +
         escapeHtml(c.cgroupPath) + "</code></dd>";
  if (!c.matchedPolicies.empty()) {
    out += "<dt>policies</dt><dd>";
    for (size_t i = 0; i < c.matchedPolicies.size(); ++i) out += (i ? ", " : "") + escapeHtml(c.matchedPolicies[i]);
    out += "</dd>";
  }
  for (const auto& [key, value] : c.labels)
    out += "<dt class=\"label\">" + escapeHtml(key) + "</dt><dd class=\"label\">" + escapeHtml(value) + "</dd>";
  out += "</dl>\n<table id=\"now\"><thead><tr><th>CPU</th><th>Memory</th><th>Pids</th></tr></thead><tbody><tr>" +
         cpuCell(c) + memoryCell(c) + pidsCell(c) + "</tr></tbody></table>\n";
  if (host.controls && c.runtime == "agent") {
    out += "<form class=\"action controls\" method=\"post\" action=\"/ui/containers/" + escapePathSegment(c.id) +
           "/limit\"><label>CPU <input name=\"cpu\" placeholder=\"50% or 0.5\"></label> <label>Memory <input "
           "name=\"memory\" placeholder=\"256Mi\"></label> <label>Pids <input name=\"pids\" placeholder=\"100\">"
           "</label> <button>Set limits</button></form>\n";
  }
  constexpr int64_t kSpanMs = 10 * 60 * 1000;
  out += "<section class=\"charts\">\n";
  if (!history) {
    out += "<p class=\"no-samples\">No samples yet: the charts start with the next collection.</p>\n";
  } else {
    std::vector<double> cpu, memory, pids;
    for (const auto& p : history->points) {
      cpu.push_back(p.cpuPercent);
      memory.push_back(p.memoryBytes);
      pids.push_back(p.pids);
    }
    int64_t end = history->atUnixMs.back();
    out += renderChart("cpu", "CPU % (100 = one CPU)", history->atUnixMs, cpu, end, kSpanMs, false);
    out += renderChart("memory", "Memory (working set)", history->atUnixMs, memory, end, kSpanMs, true);
    out += renderChart("pids", "Pids", history->atUnixMs, pids, end, kSpanMs, false);
  }
  out += "</section>\n" + std::string(kFoot);
  return out;
}

}  // namespace agent::web

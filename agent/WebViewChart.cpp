// renderChart (WebViewHtml.h): a polyline per run of known samples, drawn on the server so the
// page needs no script and no chart library (Debian's libjs-chart.js would add ~200 KB and a
// build dependency for three lines).
#include <cmath>
#include <cstdio>

#include "WebViewHtml.h"

namespace agent::web {

namespace {

constexpr double kWidth = 600, kHeight = 120;

std::string coordinate(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string axisValue(double value, bool bytes) {
  if (bytes) return formatBytes(value);
  char text[32];
  std::snprintf(text, sizeof text, value >= 100 ? "%.0f" : "%.1f", value);
  return text;
}

}  // namespace

std::string renderChart(std::string_view metric, std::string_view title, const std::vector<int64_t>& atUnixMs,
                        const std::vector<double>& values, int64_t endUnixMs, int64_t spanMs, bool bytes) {
  double top = 0, last = NAN;
  size_t known = 0;
  for (size_t i = 0; i < values.size() && i < atUnixMs.size(); ++i) {
    if (std::isnan(values[i]) || atUnixMs[i] < endUnixMs - spanMs) continue;
    top = std::max(top, values[i]);
    last = values[i];
    ++known;
  }
  // Headroom above the largest value, and a floor so a flat zero line sits at the bottom.
  double scale = top > 0 ? top * 1.1 : 1;
  std::string out = "<figure class=\"chart\"><figcaption>" + std::string(title) + " · now <b data-last=\"" +
                    (std::isnan(last) ? std::string() : coordinate(last)) + "\">" +
                    (std::isnan(last) ? std::string("–") : axisValue(last, bytes)) + "</b></figcaption>\n";
  out += "<svg data-metric=\"" + std::string(metric) + "\" data-samples=\"" + std::to_string(known) +
         "\" viewBox=\"0 0 " + coordinate(kWidth + 70) + " " + coordinate(kHeight + 20) +
         "\" width=\"670\" height=\"140\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>" +
         std::string(title) + ", the last 10 minutes</title>";
  out += "<rect x=\"0\" y=\"0\" width=\"" + coordinate(kWidth) + "\" height=\"" + coordinate(kHeight) +
         "\" fill=\"#fafafa\" stroke=\"#ccc\"/>";
  std::string points;
  auto flush = [&] {
    if (!points.empty())
      out += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"" + points + "\"/>";
    points.clear();
  };
  for (size_t i = 0; i < values.size() && i < atUnixMs.size(); ++i) {
    if (atUnixMs[i] < endUnixMs - spanMs) continue;
    if (std::isnan(values[i])) {
      flush();  // a gap, not a line through it
      continue;
    }
    double x = kWidth * static_cast<double>(atUnixMs[i] - (endUnixMs - spanMs)) / static_cast<double>(spanMs);
    double y = kHeight - kHeight * values[i] / scale;
    points += (points.empty() ? "" : " ") + coordinate(x) + "," + coordinate(y);
  }
  flush();
  out += "<text x=\"" + coordinate(kWidth + 4) + "\" y=\"12\" font-size=\"11\">" + axisValue(scale, bytes) +
         "</text><text x=\"" + coordinate(kWidth + 4) + "\" y=\"" + coordinate(kHeight) +
         "\" font-size=\"11\">0</text><text x=\"0\" y=\"" + coordinate(kHeight + 14) +
         "\" font-size=\"11\">−10 min</text><text x=\"" + coordinate(kWidth - 24) + "\" y=\"" +
         coordinate(kHeight + 14) + "\" font-size=\"11\">now</text></svg></figure>\n";
  return out;
}

}  // namespace agent::web

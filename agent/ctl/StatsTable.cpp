#include "StatsTable.h"

#include <algorithm>
#include <cstdio>

namespace agent::ctl {

using nlohmann::json;

namespace {

std::string scaled(uint64_t bytes, double base, int digits, const std::vector<const char*>& units) {
  double size = static_cast<double>(bytes);
  size_t unit = 0;
  while (size >= base && unit + 1 < units.size()) {
    size /= base;
    ++unit;
  }
  char text[64];
  std::snprintf(text, sizeof text, "%.*g%s", digits, size, units[unit]);
  return text;
}

std::string sizeOr(const json& value, std::string (*format)(uint64_t)) {
  return value.is_number_unsigned() || value.is_number_integer() ? format(value.get<uint64_t>()) : "--";
}

std::string countOr(const json& value, const char* otherwise) {
  return value.is_number() ? std::to_string(value.get<uint64_t>()) : otherwise;
}

const json& field(const json& row, const char* key) {
  static const json kNull;
  auto it = row.find(key);
  return it == row.end() ? kNull : *it;
}

}  // namespace

std::string binarySize(uint64_t bytes) {
  return scaled(bytes, 1024, 4, {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"});
}

std::string decimalSize(uint64_t bytes) {
  return scaled(bytes, 1000, 3, {"B", "kB", "MB", "GB", "TB", "PB", "EB"});
}

std::string percent(const json& value) {
  if (!value.is_number()) return "--";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", value.get<double>());
  return text;
}

std::string shortId(const std::string& id) {
  bool hex = id.size() >= 32 &&
             std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  return hex ? id.substr(0, 12) : id;
}

TextTable statsTable(const json& rows, bool withRuntime) {
  TextTable table;
  table.header = {"CONTAINER ID", "NAME",        "CPU %",   "MEM USAGE / LIMIT", "MEM %",
                  "PIDS / LIMIT", "THROTTLED %", "NET I/O", "BLOCK I/O",         "STATE"};
  if (withRuntime) table.header.insert(table.header.begin() + 1, "RUNTIME");
  for (const auto& row : rows) {
    // Without a cgroup (a stopped container of ours) nothing but the state is known.
    bool measured = !row.value("cgroup", "").empty();
    auto io = [&](const char* in, const char* out) {
      return measured ? decimalSize(row.value(in, uint64_t{0})) + " / " + decimalSize(row.value(out, uint64_t{0}))
                      : std::string("-- / --");
    };
    std::vector<std::string> cells = {
        shortId(row.value("id", "")),
        row.value("name", ""),
        percent(field(row, "cpu_percent")),
        sizeOr(field(row, "memory_usage_bytes"), binarySize) + " / " +
            sizeOr(field(row, "memory_limit_bytes"), binarySize),
        percent(field(row, "memory_percent")),
        countOr(field(row, "pids"), "--") + " / " + (measured ? countOr(field(row, "pids_limit"), "max") : "--"),
        percent(field(row, "throttled_percent")),
        io("net_rx_bytes", "net_tx_bytes"),
        io("block_read_bytes", "block_write_bytes"),
        row.value("state", "")};
    if (withRuntime) cells.insert(cells.begin() + 1, row.value("runtime", ""));
    table.rows.push_back(std::move(cells));
  }
  return table;
}

TextTable discoveredTable(const json& containers) {
  TextTable table;
  table.header = {"RUNTIME", "CONTAINER ID", "NAME", "IMAGE", "STATE", "CGROUP"};
  for (const auto& c : containers) {
    std::string cgroup = c.value("cgroup", "");
    table.rows.push_back({c.value("runtime", ""), shortId(c.value("id", "")), c.value("name", ""), c.value("image", ""),
                          c.value("state", ""), cgroup.empty() ? "-" : cgroup});
  }
  return table;
}

}  // namespace agent::ctl

#pragma once
// What `agentctl stats` and `ps --all-cgroups` print: rows of GET /v1/stats (StatsHandlers) as
// docker shows them: CPU % with two decimals, memory in binary units (MiB, GiB), network and
// block I/O in decimal ones (kB, MB), "--" for what is not known.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace agent::ctl {

// As docker's go-units: 4 significant digits, powers of 1024 (B, KiB, MiB, GiB, ...).
std::string binarySize(uint64_t bytes);
// As docker's go-units for I/O: 3 significant digits, powers of 1000 (B, kB, MB, GB, ...).
std::string decimalSize(uint64_t bytes);
// "50.12%"; "--" when null.
std::string percent(const nlohmann::json& value);

struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// `withRuntime`: --all-cgroups, where a RUNTIME column says whose each container is.
TextTable statsTable(const nlohmann::json& rows, bool withRuntime);
TextTable discoveredTable(const nlohmann::json& containers);

// The 12 characters docker and agentctl ps show for a hex id; other ids (lxc names) whole.
std::string shortId(const std::string& id);

}  // namespace agent::ctl

#pragma once
// Label names and values as the Prometheus text format takes them. Every label value the agent
// exports goes through here (the renderer's cgroup paths, names, images, container labels,
// interfaces, devices; the agent's own counters too), because one value Prometheus refuses
// (invalid UTF-8) costs the whole scrape, not one series.
//
// The rule for values (docs/metrics.md, "Label values"): valid UTF-8 stays as it is; each byte
// that is not part of valid UTF-8 becomes U+FFFD followed by the byte in two upper-case hex
// digits ("\xff" -> "�FF"); a U+FFFD that was already in the text is doubled ("��"). The
// mapping is the same on every scrape and keeps distinct inputs distinct (it can be undone),
// so two cgroups whose names differ only in invalid bytes never become one series. Then the
// text format's escapes: backslash, double quote and newline.
#include <string>
#include <string_view>

namespace agent::collectors {

// Appends `value` to `out` as a label value of the text format (without the quotes).
void appendLabelValue(std::string& out, std::string_view value);

// `value` made valid UTF-8 by the rule above, not escaped: for prometheus-cpp's serializer,
// which escapes by itself but passes invalid UTF-8 through.
std::string utf8LabelValue(std::string_view value);

// [a-zA-Z_][a-zA-Z0-9_]*, what Prometheus accepts as a label name.
bool isValidLabelName(std::string_view name);

// The label an allow-listed container label key is exported as: "container_label_" + the key
// with every byte outside [a-zA-Z0-9_] made '_' (cAdvisor's rule). Different keys may give the
// same name ("a.b", "a_b"): agentd's config refuses such lists (AgentConfig), and the renderer
// exports only the first of them.
std::string labelName(std::string_view key);

}  // namespace agent::collectors

#pragma once
// Test code: a strict reader of the Prometheus text format (0.0.4) that says what is wrong with
// a rendered /metrics text, for the renderer's fuzzer and unit tests. Stricter than Prometheus
// where the renderer must be: what it accepts, promtool and Prometheus accept.
//
// Checked: every line ends with a newline and is valid UTF-8; HELP and TYPE lines are well
// formed, at most one each per family and before its samples; a family's lines are together;
// metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not "__"
// reserved ones); no label name twice in a series; label values use only the escapes \\, \"
// and \n; values are numbers, NaN, +Inf or -Inf; no series (name and label set) twice;
// histogram buckets carry `le`.
#include <string>
#include <string_view>

namespace agent::testing {

// "line N: what is wrong (the line)" for the first problem, "" when the text is valid.
std::string textFormatProblem(std::string_view text);

}  // namespace agent::testing

#pragma once
// Typed reads of the image formats' JSON fields: each refusal names the file, the field and
// what was expected there. Unknown fields are ignored (the specs grow; readers must not break).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::image {

// Where a value sits: the file, and the field's path inside it ("manifests[1].digest").
struct JsonPlace {
  std::string file;
  std::string field;  // "" for the document itself
  std::string key;    // the last key of `field`: the one looked up in its object
  JsonPlace operator/(std::string_view key) const;
  JsonPlace operator[](size_t index) const;
  std::string describe() const;  // "`index.json`, field `manifests[1].digest`"
};

// `what` says what the document should be ("an OCI image index").
Result<nlohmann::json> parseJsonDocument(std::string_view text, const std::string& file, std::string_view what);

// A refusal at `place`: "`index.json`, field `x`: <problem>".
tl::unexpected<Error> jsonRefusal(const JsonPlace& place, std::string_view problem);

// `object[key]` where object is an object (checked by the caller): absent (or null, when
// `nullIsAbsent`) gives the default; a value of another type is refused.
Result<std::string> jsonString(const nlohmann::json& object, const JsonPlace& place, bool required);
Result<int64_t> jsonSize(const nlohmann::json& object, const JsonPlace& place, bool required);
Result<std::vector<std::string>> jsonStrings(const nlohmann::json& object, const JsonPlace& place);
Result<std::map<std::string, std::string>> jsonStringMap(const nlohmann::json& object, const JsonPlace& place);
// An object's keys (Docker's ExposedPorts: {"80/tcp": {}}).
Result<std::vector<std::string>> jsonKeys(const nlohmann::json& object, const JsonPlace& place);
// The value at `place` in `object` when it is an object, else a refusal; null when absent
// and not required.
Result<const nlohmann::json*> jsonObject(const nlohmann::json& object, const JsonPlace& place, bool required);
Result<const nlohmann::json*> jsonArray(const nlohmann::json& object, const JsonPlace& place, bool required);

}  // namespace agent::image

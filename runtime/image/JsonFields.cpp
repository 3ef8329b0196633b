#include "JsonFields.h"

namespace agent::image {
namespace {

using nlohmann::json;

std::string typeName(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

const json* member(const json& object, const JsonPlace& place) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(place.key);
  return found == object.end() ? nullptr : &*found;
}

}  // namespace

JsonPlace JsonPlace::operator/(std::string_view key) const {
  return {file, field.empty() ? std::string(key) : field + "." + std::string(key), std::string(key)};
}

JsonPlace JsonPlace::operator[](size_t index) const {
  return {file, field + "[" + std::to_string(index) + "]", ""};
}

std::string JsonPlace::describe() const {
  return "`" + file + "`" + (field.empty() ? "" : ", field `" + field + "`");
}

tl::unexpected<Error> jsonRefusal(const JsonPlace& place, std::string_view problem) {
  return userError(place.describe() + ": " + std::string(problem));
}

Result<json> parseJsonDocument(std::string_view text, const std::string& file, std::string_view what) {
  try {
    json document = json::parse(text);
    if (!document.is_object() && !document.is_array())
      return jsonRefusal({file, "", ""}, "is " + typeName(document) + ", expected " + std::string(what));
    return document;
  } catch (const json::exception& e) {
    return jsonRefusal({file, "", ""},
                       "is not valid JSON (" + std::string(e.what()) + "), expected " + std::string(what));
  }
}

Result<std::string> jsonString(const json& object, const JsonPlace& place, bool required) {
  const json* value = member(object, place);
  if (value == nullptr || (value->is_null() && !required)) {
    if (required) return jsonRefusal(place, "is missing, expected a string");
    return std::string();
  }
  if (!value->is_string()) return jsonRefusal(place, "is " + typeName(*value) + ", expected a string");
  return value->get<std::string>();
}

Result<int64_t> jsonSize(const json& object, const JsonPlace& place, bool required) {
  const json* value = member(object, place);
  if (value == nullptr) {
    if (required) return jsonRefusal(place, "is missing, expected a size in bytes");
    return -1;
  }
  if (!value->is_number_integer() || value->get<int64_t>() < 0)
    return jsonRefusal(place, "is " + value->dump().substr(0, 40) + ", expected a size in bytes (a whole number >= 0)");
  return value->get<int64_t>();
}

Result<std::vector<std::string>> jsonStrings(const json& object, const JsonPlace& place) {
  const json* value = member(object, place);
  std::vector<std::string> strings;
  if (value == nullptr || value->is_null()) return strings;
  if (!value->is_array()) return jsonRefusal(place, "is " + typeName(*value) + ", expected an array of strings");
  for (size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if (!item.is_string()) return jsonRefusal(place[i], "is " + typeName(item) + ", expected a string");
    strings.push_back(item.get<std::string>());
  }
  return strings;
}

Result<std::map<std::string, std::string>> jsonStringMap(const json& object, const JsonPlace& place) {
  const json* value = member(object, place);
  std::map<std::string, std::string> strings;
  if (value == nullptr || value->is_null()) return strings;
  if (!value->is_object()) return jsonRefusal(place, "is " + typeName(*value) + ", expected an object of strings");
  for (const auto& [key, item] : value->items()) {
    if (!item.is_string()) return jsonRefusal(place / key, "is " + typeName(item) + ", expected a string");
    strings[key] = item.get<std::string>();
  }
  return strings;
}

Result<std::vector<std::string>> jsonKeys(const json& object, const JsonPlace& place) {
  const json* value = member(object, place);
  std::vector<std::string> keys;
  if (value == nullptr || value->is_null()) return keys;
  if (!value->is_object()) return jsonRefusal(place, "is " + typeName(*value) + ", expected an object");
  for (const auto& item : value->items()) keys.push_back(item.key());
  return keys;
}

Result<const json*> jsonObject(const json& object, const JsonPlace& place, bool required) {
  const json* value = member(object, place);
  if (value == nullptr || (value->is_null() && !required)) {
    if (required) return jsonRefusal(place, "is missing, expected an object");
    return nullptr;
  }
  if (!value->is_object()) return jsonRefusal(place, "is " + typeName(*value) + ", expected an object");
  return value;
}

Result<const json*> jsonArray(const json& object, const JsonPlace& place, bool required) {
  const json* value = member(object, place);
  if (value == nullptr || (value->is_null() && !required)) {
    if (required) return jsonRefusal(place, "is missing, expected an array");
    return nullptr;
  }
  if (!value->is_array()) return jsonRefusal(place, "is " + typeName(*value) + ", expected an array");
  return value;
}

}  // namespace agent::image

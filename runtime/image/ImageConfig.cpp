#include "ImageConfig.h"

#include "JsonFields.h"
#include "Sha256.h"

namespace agent::image {

Result<ImageConfig> parseImageConfig(std::string_view text, const std::string& file) {
  auto document = parseJsonDocument(text, file, "an image config (an object with `rootfs` and `config`)");
  if (!document) return tl::unexpected(document.error());
  JsonPlace top{file, "", ""};
  if (!document->is_object()) return jsonRefusal(top, "is an array, expected an image config object");
  ImageConfig config;
  auto field = [](auto result, auto& into) -> Result<void> {
    if (!result) return tl::unexpected(result.error());
    into = std::move(*result);
    return {};
  };
  Result<void> ok;
  if (!(ok = field(jsonString(*document, top / "created", false), config.created))) return tl::unexpected(ok.error());
  if (!(ok = field(jsonString(*document, top / "os", false), config.os))) return tl::unexpected(ok.error());
  if (!(ok = field(jsonString(*document, top / "architecture", false), config.architecture)))
    return tl::unexpected(ok.error());

  // `config` may be absent or null: an image with nothing to run by default.
  auto run = jsonObject(*document, top / "config", false);
  if (!run) return tl::unexpected(run.error());
  if (*run != nullptr) {
    const auto& object = **run;
    JsonPlace at = top / "config";
    if (!(ok = field(jsonStrings(object, at / "Entrypoint"), config.entrypoint)) ||
        !(ok = field(jsonStrings(object, at / "Cmd"), config.cmd)) ||
        !(ok = field(jsonStrings(object, at / "Env"), config.env)) ||
        !(ok = field(jsonString(object, at / "WorkingDir", false), config.workingDir)) ||
        !(ok = field(jsonString(object, at / "User", false), config.user)) ||
        !(ok = field(jsonStringMap(object, at / "Labels"), config.labels)) ||
        !(ok = field(jsonKeys(object, at / "ExposedPorts"), config.exposedPorts)))
      return tl::unexpected(ok.error());
    for (size_t i = 0; i < config.env.size(); ++i) {
      if (config.env[i].find('=') == std::string::npos || config.env[i].front() == '=')
        return jsonRefusal((at / "Env")[i], "is `" + config.env[i] + "`, expected KEY=VALUE");
    }
  }

  auto rootfs = jsonObject(*document, top / "rootfs", true);
  if (!rootfs) return tl::unexpected(rootfs.error());
  auto type = jsonString(**rootfs, top / "rootfs" / "type", true);
  if (!type) return tl::unexpected(type.error());
  if (*type != "layers") return jsonRefusal(top / "rootfs" / "type", "is `" + *type + "`, expected `layers`");
  auto diffIds = jsonArray(**rootfs, top / "rootfs" / "diff_ids", true);
  if (!diffIds) return tl::unexpected(diffIds.error());
  if (!(ok = field(jsonStrings(**rootfs, top / "rootfs" / "diff_ids"), config.diffIds)))
    return tl::unexpected(ok.error());
  for (size_t i = 0; i < config.diffIds.size(); ++i) {
    if (!isSha256Digest(config.diffIds[i]))
      return jsonRefusal(
          (top / "rootfs" / "diff_ids")[i],
          "is `" + config.diffIds[i] + "`, expected a sha256 digest (`sha256:` and 64 lowercase hex digits)");
  }
  return config;
}

}  // namespace agent::image

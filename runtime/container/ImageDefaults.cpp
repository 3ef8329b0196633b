#include "ImageDefaults.h"

#include "MessageText.h"

namespace agent::container {

namespace {

std::string keyOf(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

}  // namespace

Result<ImageDefaults> applyImageConfig(const image::ImageConfig& config, const ImageDefaultsInput& run,
                                       const std::string& imageName) {
  ImageDefaults defaults;
  defaults.args = config.entrypoint;
  const auto& rest = run.args.empty() ? config.cmd : run.args;
  defaults.args.insert(defaults.args.end(), rest.begin(), rest.end());
  if (defaults.args.empty() || defaults.args.front().empty())
    return userError("the image " + quotedForMessage(imageName) +
                         " has no Entrypoint or Cmd, and no command was given; give one, e.g. -- sh",
                     EINVAL);
  defaults.env = config.env;
  for (const auto& entry : run.env) {
    std::erase_if(defaults.env, [&](const std::string& e) { return keyOf(e) == keyOf(entry); });
    defaults.env.push_back(entry);
  }
  // Docker takes a relative WorkingDir from `/`.
  if (!config.workingDir.empty())
    defaults.cwd = config.workingDir.front() == '/' ? config.workingDir : "/" + config.workingDir;
  defaults.user = config.user;
  defaults.labels = config.labels;
  for (const auto& [key, value] : run.labels) defaults.labels[key] = value;
  return defaults;
}

}  // namespace agent::container

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
  // As moby's daemon merges them: an Entrypoint the run gives replaces the image's and drops
  // its Cmd too (the run's arguments are the only ones); `--entrypoint ""` keeps Cmd.
  bool ownEntrypoint = run.entrypoint && !run.entrypoint->empty();
  defaults.args = run.entrypoint ? *run.entrypoint : config.entrypoint;
  const auto& rest = run.args.empty() && !ownEntrypoint ? config.cmd : run.args;
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
  defaults.user = run.user.empty() ? config.user : run.user;
  defaults.labels = config.labels;
  for (const auto& [key, value] : run.labels) defaults.labels[key] = value;
  return defaults;
}

}  // namespace agent::container

#include "LoadPlan.h"

#include "DockerArchivePlan.h"
#include "OciLayoutPlan.h"

namespace agent::image {
namespace {

// Refusals name the member file; the source (the archive or directory) is put in front.
Result<std::vector<PlannedImage>> inSource(const BlobSource& source, Result<std::vector<PlannedImage>> plan) {
  if (plan || source.origin().empty()) return plan;
  Error error = plan.error();
  std::string prefix = "`" + source.origin() + "`: ";
  if (error.action.find(source.origin()) == std::string::npos) error.action = prefix + error.action;
  return tl::unexpected(std::move(error));
}

}  // namespace

Result<std::vector<PlannedImage>> planLoad(const BlobSource& source) {
  // docker save writes manifest.json in both of its layouts (Docker >= 25 next to an OCI
  // layout); docker load reads it first, and so does this.
  if (source.exists(kDockerManifestFile)) return inSource(source, planDockerArchive(source));
  if (source.exists(kOciLayoutFile) || source.exists(kOciIndexFile)) return inSource(source, planOciLayout(source));
  return inSource(source, userError("this is not an image: it holds neither `manifest.json` (docker save) nor "
                                    "`oci-layout` and `index.json` (an OCI image layout)"));
}

}  // namespace agent::image

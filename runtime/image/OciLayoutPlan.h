#pragma once
// The images of an OCI image layout (image-layout.md), a directory or a tar: index.json's
// entries, nested indexes walked down to the linux/amd64 manifest, every document checked
// against the digest and size its descriptor gives.
#include <vector>

#include "BlobSource.h"
#include "LoadPlan.h"
#include "OciDocuments.h"

namespace agent::image {

inline constexpr char kOciLayoutFile[] = "oci-layout";
inline constexpr char kOciIndexFile[] = "index.json";

Result<std::vector<PlannedImage>> planOciLayout(const BlobSource& source);

// The descriptor to follow in a nested index: the first linux/amd64 one; else the one
// descriptor without a platform when there is exactly one; else refused, listing what the
// index offers. `file` names the index.
Result<Descriptor> chooseLinuxAmd64(const OciIndex& index, const std::string& file);

// A name for the image an index.json entry describes: containerd's full name
// (io.containerd.image.name) when present, else the ref.name annotation as written (often a
// tag alone: the caller decides its repository); "" when neither.
std::string imageNameOf(const Descriptor& descriptor);

}  // namespace agent::image

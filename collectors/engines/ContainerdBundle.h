#pragma once
// What containerd's task bundle says of a running container, without containerd's gRPC API or
// its bolt DB: the OCI spec it hands the shim, <state>/io.containerd.runtime.v2.task/
// <namespace>/<id>/config.json. Kubernetes' CRI plugin writes the pod's and the container's
// names into that spec as annotations (containerd's pkg/cri/annotations):
//   io.kubernetes.cri.container-type    "container" or "sandbox" (the pod's pause container)
//   io.kubernetes.cri.container-name    the container's name in the pod spec (containers only)
//   io.kubernetes.cri.image-name        the image as the pod spec names it (containers only)
//   io.kubernetes.cri.sandbox-name      the pod's name
//   io.kubernetes.cri.sandbox-namespace the pod's namespace
//   io.kubernetes.cri.sandbox-uid       the pod's UID (containerd 1.7 and later)
// cAdvisor exports the container's containerd LABELS, which CRI copies from kubelet's
// (io.kubernetes.pod.name, ...); those live only in the bolt DB, so they are rebuilt here from
// the annotations under the names kubelet gives them (docs/engines.md says what is missing).
#include <string>
#include <string_view>

#include "EngineContainer.h"
#include "Error.h"

namespace agent::collectors::engines {

// kubelet's label names (k8s.io/kubelet/pkg/types/labels.go) and CRI's kind label.
inline constexpr std::string_view kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr std::string_view kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr std::string_view kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr std::string_view kContainerNameLabel = "io.kubernetes.container.name";
inline constexpr std::string_view kCriKindLabel = "io.cri-containerd.kind";

// `configJson`: the bundle's config.json; `id`: the bundle directory's name (the container
// id; the spec does not hold it). A spec without CRI's annotations (`ctr run`, Docker's own
// containerd) gives a container with the id alone. Refused: text that is not a JSON object,
// `annotations` or `linux.cgroupsPath` of the wrong type.
Result<EngineContainer> parseContainerdBundle(std::string_view configJson, std::string_view id);

// The pod UID in a kubepods cgroup path, as kubelet writes it: cgroupfs
// ".../kubepods/<qos>/pod<uid>/<id>", systemd "kubepods-<qos>-pod<uid with _ for ->.slice"
// (also in containerd's "slice:prefix:name" form); "" when the path has none.
std::string podUidFromCgroupPath(std::string_view cgroupPath);

}  // namespace agent::collectors::engines

#pragma once
// Measures one writable layer: du of its upper dir (runtime/io DirectoryUsage), the
// filesystem's capacity, and the filesystem's name as cAdvisor gives it
// (runtime/proc FilesystemDevice). Device names are looked up in the mount table once per
// device number, read again only for a device not seen before. One thread uses it.
#include <map>
#include <string>
#include <utility>

#include "Error.h"
#include "LayerUsage.h"

namespace agent::collectors {

class LayerMeasure {
 public:
  explicit LayerMeasure(std::string procRoot = "/proc") : procRoot_(std::move(procRoot)) {}
  Result<LayerUsage> operator()(const std::string& upperDir);

 private:
  const std::string& deviceName(unsigned major, unsigned minor);

  std::string procRoot_;
  std::map<std::pair<unsigned, unsigned>, std::string> names_;
};

}  // namespace agent::collectors

#include "HostCpus.h"

#include <unistd.h>

namespace agent::proc {

unsigned onlineCpus() {
  long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? static_cast<unsigned>(cpus) : 1;
}

}  // namespace agent::proc

#include "ContainerNetwork.h"

namespace agent::container {

std::string portBindingText(const PortBinding& port) {
  return port.hostIp + ":" + std::to_string(port.hostPort) + "->" + std::to_string(port.containerPort) + "/" +
         port.protocol;
}

}  // namespace agent::container

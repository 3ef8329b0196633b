#include "ApiTlsConfig.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "LoopbackHost.h"

namespace agent {

bool isApiTlsConfigKey(const std::string& key) {
  return key == "api_tls_cert" || key == "api_tls_key";
}

Result<void> readApiTlsConfigKey(const std::string& where, const std::string& key, const YAML::Node& value,
                                 ApiTlsConfig& config) {
  if (!value.IsScalar())
    return userError(where + ": `" + key + "` is the path of a PEM file; fix the config file", EINVAL);
  (key == "api_tls_cert" ? config.certFile : config.keyFile) = value.as<std::string>();
  return {};
}

Result<void> checkApiListener(const std::string& apiAddress, const ApiTlsConfig& tls) {
  if (tls.certFile.empty() != tls.keyFile.empty()) {
    return userError(std::string("the control API has `") + (tls.certFile.empty() ? "api_tls_key" : "api_tls_cert") +
                         "` without `" + (tls.certFile.empty() ? "api_tls_cert" : "api_tls_key") +
                         "`; give both (the certificate and its key), or neither for plain HTTP on loopback",
                     EINVAL);
  }
  size_t colon = apiAddress.rfind(':');
  std::string host = colon == std::string::npos ? apiAddress : apiAddress.substr(0, colon);
  if (tls.enabled() || isLoopbackHost(host)) return {};
  return userError("plain HTTP off loopback is refused: api_address " + apiAddress +
                       " would send the API token in clear; give api_tls_cert and api_tls_key (PEM files), or "
                       "listen on 127.0.0.1",
                   EINVAL);
}

namespace {
Result<std::string> readPem(const std::string& path, const char* key) {
  std::ifstream in(path);
  if (!in) {
    return userError(
        std::string("cannot read `") + key + "` " + path + ": " + std::strerror(errno) + "; give a readable PEM file",
        EINVAL);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos)
    return userError(std::string("`") + key + "` " + path + " holds no PEM block; give a PEM file", EINVAL);
  return text.str();
}
}  // namespace

Result<ApiTlsFiles> readApiTlsFiles(const ApiTlsConfig& tls) {
  auto cert = readPem(tls.certFile, "api_tls_cert");
  if (!cert) return tl::unexpected(cert.error());
  auto key = readPem(tls.keyFile, "api_tls_key");
  if (!key) return tl::unexpected(key.error());
  return ApiTlsFiles{std::move(*cert), std::move(*key)};
}

}  // namespace agent

#pragma once
// TLS on the control API (docs/agentd.md, "Remote control"): `api_tls_cert` and `api_tls_key`,
// PEM files read at agentd's start, and the rule that keeps the token off the wire in clear:
// an API that listens beyond loopback must have both.
#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "Error.h"

namespace agent {

struct ApiTlsConfig {
  std::string certFile;  // `api_tls_cert`: the server's certificate chain (PEM), leaf first; empty: no TLS
  std::string keyFile;   // `api_tls_key`: its private key (PEM, unencrypted)
  bool enabled() const { return !certFile.empty() || !keyFile.empty(); }
  bool operator==(const ApiTlsConfig&) const = default;
};

// Whether `key` is `api_tls_cert` or `api_tls_key`.
bool isApiTlsConfigKey(const std::string& key);
// Reads one of them; errors say file:line:column (`where`).
Result<void> readApiTlsConfigKey(const std::string& where, const std::string& key, const YAML::Node& value,
                                 ApiTlsConfig& config);

// The load rule: an API address off loopback needs both files; a key without a certificate
// (or the reverse) is a mistake wherever it listens. EINVAL, one sentence saying what to give.
Result<void> checkApiListener(const std::string& apiAddress, const ApiTlsConfig& tls);

// Both files' PEM text, read now (agentd's start); an unreadable file is a user error naming it.
struct ApiTlsFiles {
  std::string certPem;
  std::string keyPem;
};
Result<ApiTlsFiles> readApiTlsFiles(const ApiTlsConfig& tls);

}  // namespace agent

#pragma once
// SHA-256 as image digests are written ("sha256:" and 64 lowercase hex digits: the OCI image
// spec's descriptor digest, Docker's image and layer ids), through OpenSSL's libcrypto.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace agent::image {

inline constexpr std::string_view kSha256Prefix = "sha256:";

// A running hash: feed bytes as they pass, then take the digest once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, size_t length);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // "sha256:<hex>"; the hash may not be fed afterwards.
  std::string digest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string sha256Digest(std::string_view bytes);

// True for "sha256:" followed by exactly 64 lowercase hex digits: the only digests accepted
// (a digest names a file in the store, so nothing else may reach a path).
bool isSha256Digest(std::string_view digest);

// The 64 hex digits of a valid digest.
std::string_view digestHex(std::string_view digest);

}  // namespace agent::image

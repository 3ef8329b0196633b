#include "Sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace agent::image {

struct Sha256::State {
  EVP_MD_CTX* context = nullptr;
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  // Only out of memory fails here: as operator new would.
  if (state_->context == nullptr || EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr) != 1)
    throw std::bad_alloc();
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t length) {
  if (length > 0) EVP_DigestUpdate(state_->context, data, length);
}

std::string Sha256::digest() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_DigestFinal_ex(state_->context, raw, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(kSha256Prefix);
  for (unsigned i = 0; i < length; ++i) {
    text += kHex[raw[i] >> 4];
    text += kHex[raw[i] & 0xf];
  }
  return text;
}

std::string sha256Digest(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.digest();
}

bool isSha256Digest(std::string_view digest) {
  if (digest.size() != kSha256Prefix.size() + 64 || digest.substr(0, kSha256Prefix.size()) != kSha256Prefix)
    return false;
  for (char c : digest.substr(kSha256Prefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string_view digestHex(std::string_view digest) {
  return digest.substr(kSha256Prefix.size());
}

}  // namespace agent::image

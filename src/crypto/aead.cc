#include "crypto/aead.h"

#include <sodium.h>

namespace tessera {
namespace {

constexpr std::uint8_t kFormatVersion = 0x01;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t kHeaderBytes = 1 + kNonceBytes;

const unsigned char* as_bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

}  // namespace

Result<SecretSealer> SecretSealer::make(SecretBytes master_key) {
  if (master_key.size() != kMasterKeyBytes) {
    return invalid_argument("the master key must be exactly 32 bytes");
  }
  return SecretSealer(std::move(master_key));
}

std::vector<std::uint8_t> SecretSealer::seal(std::span<const std::uint8_t> plaintext,
                                             std::string_view associated_data, Rng& rng) const {
  std::vector<std::uint8_t> sealed(kHeaderBytes + plaintext.size() + kTagBytes);
  sealed[0] = kFormatVersion;
  rng.fill(std::span<std::uint8_t>(sealed.data() + 1, kNonceBytes));
  unsigned long long ciphertext_length = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      sealed.data() + kHeaderBytes, &ciphertext_length, plaintext.data(), plaintext.size(),
      as_bytes(associated_data), associated_data.size(), nullptr, sealed.data() + 1, key_.data());
  sealed.resize(kHeaderBytes + ciphertext_length);
  return sealed;
}

Result<SecretBytes> SecretSealer::open(std::span<const std::uint8_t> sealed,
                                       std::string_view associated_data) const {
  if (sealed.size() < kHeaderBytes + kTagBytes || sealed[0] != kFormatVersion) {
    return data_loss("a sealed secret is malformed");
  }
  SecretBytes plaintext(sealed.size() - kHeaderBytes - kTagBytes);
  unsigned long long plaintext_length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plaintext.data(), &plaintext_length, nullptr, sealed.data() + kHeaderBytes,
          sealed.size() - kHeaderBytes, as_bytes(associated_data), associated_data.size(),
          sealed.data() + 1, key_.data()) != 0) {
    return data_loss(
        "a sealed secret does not open: wrong master key, or the stored value was altered");
  }
  return plaintext;
}

}  // namespace tessera

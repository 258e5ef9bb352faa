// Secrets at rest: XChaCha20-Poly1305 (libsodium) under the 32-byte master key. Associated data
// binds a ciphertext to where it is stored ("methods:<row id>"), so a sealed value copied to
// another row or table does not open.
//
// Sealed format: version byte 0x01 || 24-byte random nonce || ciphertext || 16-byte tag.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"

namespace tessera {

inline constexpr std::size_t kMasterKeyBytes = 32;

// Thread-safe (immutable after construction).
class SecretSealer {
 public:
  // master_key must be kMasterKeyBytes long (checked by make()).
  static Result<SecretSealer> make(SecretBytes master_key);

  std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plaintext,
                                 std::string_view associated_data, Rng& rng) const;
  // data_loss when the value is malformed, was sealed under another key or associated data, or
  // was tampered with.
  Result<SecretBytes> open(std::span<const std::uint8_t> sealed,
                           std::string_view associated_data) const;

 private:
  explicit SecretSealer(SecretBytes key) : key_(std::move(key)) {}
  SecretBytes key_;
};

}  // namespace tessera

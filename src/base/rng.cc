#include "base/rng.h"

#include <cstring>

#include <sodium.h>

namespace tessera {

SecretBytes Rng::secret_bytes(std::size_t size) {
  SecretBytes bytes(size);
  fill(bytes.mutable_span());
  return bytes;
}

std::uint32_t Rng::uniform(std::uint32_t upper_bound) {
  if (upper_bound < 2) return 0;
  // Rejection sampling: discard values from the incomplete last block of the 32-bit range.
  const std::uint32_t limit = static_cast<std::uint32_t>(-upper_bound) % upper_bound;
  for (;;) {
    std::uint32_t value = 0;
    fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&value), sizeof value));
    if (value >= limit) return value % upper_bound;
  }
}

std::string Rng::string_from(std::string_view alphabet, std::size_t length) {
  std::string out;
  out.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    out.push_back(alphabet[uniform(static_cast<std::uint32_t>(alphabet.size()))]);
  }
  return out;
}

void SystemRng::fill(std::span<std::uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

DeterministicRng::DeterministicRng(std::uint64_t seed) {
  std::memcpy(key_, &seed, sizeof seed);
}

void DeterministicRng::fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  std::lock_guard lock(mutex_);
  std::uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  std::memcpy(nonce, &counter_, sizeof counter_);
  ++counter_;
  crypto_stream_chacha20(out.data(), out.size(), nonce, key_);
}

}  // namespace tessera

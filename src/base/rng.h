// Randomness is injected. Production uses the operating system's CSPRNG through libsodium; tests
// use a seeded deterministic generator so ids, secrets and codes are reproducible.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "base/secret_bytes.h"

namespace tessera {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;

  SecretBytes secret_bytes(std::size_t size);
  // Uniform in [0, upper_bound), without modulo bias. upper_bound must be > 0.
  std::uint32_t uniform(std::uint32_t upper_bound);
  // `length` characters drawn uniformly from `alphabet` (non-empty).
  std::string string_from(std::string_view alphabet, std::size_t length);
};

// libsodium randombytes (getrandom(2)). Thread-safe. sodium_init() must have run (see
// init_crypto_library in crypto/).
class SystemRng final : public Rng {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

// Deterministic generator for tests only (ChaCha20 keystream from a 64-bit seed). Thread-safe.
class DeterministicRng final : public Rng {
 public:
  explicit DeterministicRng(std::uint64_t seed);
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::mutex mutex_;
  std::uint8_t key_[32] = {};
  std::uint64_t counter_ = 0;
};

}  // namespace tessera

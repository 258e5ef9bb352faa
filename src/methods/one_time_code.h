// One-time codes for the methods that send one (text message, call, email): 6 digits drawn
// uniformly (leading zeros included), valid for 10 minutes at most, single use, at most 5 tries.
// Only a salted hash is kept (in the flow's sealed state), so the code itself exists only in the
// message that carries it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/rng.h"
#include "base/secret_bytes.h"

namespace tessera {

inline constexpr std::size_t kOneTimeCodeDigits = 6;
inline constexpr std::chrono::minutes kOneTimeCodeLifetime{10};
inline constexpr int kMaxOneTimeCodeTries = 5;

// What is kept of a sent code.
struct StoredCode {
  std::array<std::uint8_t, 16> salt{};
  std::array<std::uint8_t, 32> hash{};  // HMAC-SHA256 of the code under the salt
  Timestamp expires_at{};
  int tries = 0;  // codes checked against it so far, right or wrong
  bool used = false;

  // A fixed-size encoding for a method's flow state; decode() refuses anything else (nullopt).
  std::vector<std::uint8_t> encode() const;
  static std::optional<StoredCode> decode(std::span<const std::uint8_t> bytes);
};

struct IssuedCode {
  SecretBytes code;  // the digits to send
  StoredCode stored;
};

// A fresh code, valid from `now` for kOneTimeCodeLifetime.
IssuedCode issue_one_time_code(Rng& rng, Timestamp now);

enum class OneTimeCodeResult {
  accepted,       // right, in time, first use: the code is now used up
  wrong,          // not the code (also anything that is not 6 digits); the try counts
  expired,        // at or after expires_at
  used,           // accepted before: never again
  no_tries_left,  // kMaxOneTimeCodeTries were checked already, even a right code is refused
};

// Checks `typed` (already normalised: digits only) against `stored` at `now`, counting the try in
// `stored`, which the caller saves (with the flow) whatever the result. Constant time in the code.
OneTimeCodeResult check_one_time_code(StoredCode& stored, std::string_view typed, Timestamp now);

}  // namespace tessera

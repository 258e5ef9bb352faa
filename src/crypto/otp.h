// HOTP (RFC 4226) and TOTP (RFC 6238) with SHA-1, SHA-256 or SHA-512, 6-8 digits.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/secret_bytes.h"

namespace tessera {

enum class OtpAlgorithm { sha1, sha256, sha512 };
std::string_view to_string(OtpAlgorithm algorithm);  // "SHA1", "SHA256", "SHA512"

struct TotpParameters {
  OtpAlgorithm algorithm = OtpAlgorithm::sha1;
  int digits = 6;  // 6-8
  std::chrono::seconds period{30};
  int allowed_skew_steps = 1;  // accept codes from now ± this many steps
};

// The HOTP value of `counter`, zero-padded to `digits` (6-8).
std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter, int digits,
                 OtpAlgorithm algorithm = OtpAlgorithm::sha1);

// The time step containing `t` (floor(unix seconds / period)).
std::int64_t totp_step(Timestamp t, std::chrono::seconds period);
std::string totp(std::span<const std::uint8_t> key, Timestamp t, const TotpParameters& parameters);

// The step whose code equals `code` within ±allowed_skew_steps of now, comparing every candidate in
// constant time; nullopt when none matches or `code` is not `digits` decimal digits. The caller
// must still refuse a step already used (Store::advance_method_step).
std::optional<std::int64_t> match_totp(std::span<const std::uint8_t> key, std::string_view code,
                                       Timestamp now, const TotpParameters& parameters);

}  // namespace tessera

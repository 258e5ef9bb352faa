#include "crypto/otp.h"

#include <array>

#include "base/ct_equal.h"
#include "crypto/hmac.h"

namespace tessera {

std::string_view to_string(OtpAlgorithm algorithm) {
  switch (algorithm) {
    case OtpAlgorithm::sha1:
      return "SHA1";
    case OtpAlgorithm::sha256:
      return "SHA256";
    case OtpAlgorithm::sha512:
      return "SHA512";
  }
  return "SHA1";
}

std::string hotp(std::span<const std::uint8_t> key, std::uint64_t counter, int digits,
                 OtpAlgorithm algorithm) {
  std::array<std::uint8_t, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  std::vector<std::uint8_t> mac = hmac(algorithm, key, message);
  // Dynamic truncation (RFC 4226 section 5.3).
  const std::size_t offset = mac.back() & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  wipe_memory(mac.data(), mac.size());
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i)
    modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  if (code.size() < static_cast<std::size_t>(digits)) {
    code.insert(0, static_cast<std::size_t>(digits) - code.size(), '0');
  }
  return code;
}

std::int64_t totp_step(Timestamp t, std::chrono::seconds period) {
  const std::int64_t seconds = to_unix_seconds(t);
  const std::int64_t length = period.count();
  // Floor division, so instants before 1970 still land in the right step.
  return seconds >= 0 ? seconds / length : -((-seconds + length - 1) / length);
}

std::string totp(std::span<const std::uint8_t> key, Timestamp t, const TotpParameters& parameters) {
  return hotp(key, static_cast<std::uint64_t>(totp_step(t, parameters.period)), parameters.digits,
              parameters.algorithm);
}

std::optional<std::int64_t> match_totp(std::span<const std::uint8_t> key, std::string_view code,
                                       Timestamp now, const TotpParameters& parameters) {
  if (code.size() != static_cast<std::size_t>(parameters.digits)) return std::nullopt;
  for (const char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const std::int64_t current = totp_step(now, parameters.period);
  std::optional<std::int64_t> matched;
  // Every candidate is computed and compared, so timing does not reveal which step matched.
  for (std::int64_t step = current - parameters.allowed_skew_steps;
       step <= current + parameters.allowed_skew_steps; ++step) {
    if (step < 0) continue;
    std::string candidate =
        hotp(key, static_cast<std::uint64_t>(step), parameters.digits, parameters.algorithm);
    const bool equal = ct_equal(candidate, code);
    wipe_string(candidate);
    if (equal && !matched) matched = step;
  }
  return matched;
}

}  // namespace tessera

// HMAC and digests (OpenSSL 3 EVP).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "crypto/otp.h"

namespace tessera {

std::vector<std::uint8_t> hmac(OtpAlgorithm algorithm, std::span<const std::uint8_t> key,
                               std::span<const std::uint8_t> message);
std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key,
                                         std::span<const std::uint8_t> message);
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> message);

}  // namespace tessera

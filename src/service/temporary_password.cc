#include "service/temporary_password.h"

namespace tessera {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
constexpr int kGroups = 4;
constexpr int kGroupLength = 4;

}  // namespace

SecretBytes generate_temporary_password(Rng& rng) {
  SecretBytes password(kGroups * kGroupLength + (kGroups - 1));
  std::size_t at = 0;
  for (int group = 0; group < kGroups; ++group) {
    if (group > 0) password.data()[at++] = '-';
    for (int i = 0; i < kGroupLength; ++i) {
      password.data()[at++] = static_cast<std::uint8_t>(
          kAlphabet[rng.uniform(static_cast<std::uint32_t>(kAlphabet.size()))]);
    }
  }
  return password;
}

}  // namespace tessera

#include "methods/one_time_code.h"

#include <algorithm>

#include "base/ct_equal.h"
#include "crypto/hmac.h"

namespace tessera {
namespace {

constexpr std::size_t kEncodedSize = 16 + 32 + 8 + 4 + 1;

std::array<std::uint8_t, 32> code_hash(const std::array<std::uint8_t, 16>& salt,
                                       std::string_view code) {
  return hmac_sha256(salt, {reinterpret_cast<const std::uint8_t*>(code.data()), code.size()});
}

void put_integer(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint64_t get_integer(std::span<const std::uint8_t> in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i)
    value = (value << 8) | in[at + static_cast<std::size_t>(i)];
  return value;
}

}  // namespace

std::vector<std::uint8_t> StoredCode::encode() const {
  std::vector<std::uint8_t> out(salt.begin(), salt.end());
  out.insert(out.end(), hash.begin(), hash.end());
  put_integer(out, static_cast<std::uint64_t>(to_unix_seconds(expires_at)), 8);
  put_integer(out, static_cast<std::uint32_t>(tries), 4);
  out.push_back(used ? 1 : 0);
  return out;
}

std::optional<StoredCode> StoredCode::decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kEncodedSize || bytes[kEncodedSize - 1] > 1) return std::nullopt;
  StoredCode stored;
  std::copy_n(bytes.begin(), 16, stored.salt.begin());
  std::copy_n(bytes.begin() + 16, 32, stored.hash.begin());
  stored.expires_at = from_unix_seconds(static_cast<std::int64_t>(get_integer(bytes, 48, 8)));
  const std::uint64_t tries = get_integer(bytes, 56, 4);
  if (tries > static_cast<std::uint64_t>(kMaxOneTimeCodeTries)) return std::nullopt;
  stored.tries = static_cast<int>(tries);
  stored.used = bytes[kEncodedSize - 1] == 1;
  return stored;
}

IssuedCode issue_one_time_code(Rng& rng, Timestamp now) {
  IssuedCode issued;
  std::string digits(kOneTimeCodeDigits, '0');
  for (char& digit : digits)
    digit = static_cast<char>('0' + rng.uniform(10));
  rng.fill(issued.stored.salt);
  issued.stored.hash = code_hash(issued.stored.salt, digits);
  issued.stored.expires_at = now + kOneTimeCodeLifetime;
  issued.code = SecretBytes::from_string(digits);
  std::fill(digits.begin(), digits.end(), '\0');
  return issued;
}

OneTimeCodeResult check_one_time_code(StoredCode& stored, std::string_view typed, Timestamp now) {
  if (stored.used) return OneTimeCodeResult::used;
  if (now >= stored.expires_at) return OneTimeCodeResult::expired;
  if (stored.tries >= kMaxOneTimeCodeTries) return OneTimeCodeResult::no_tries_left;
  ++stored.tries;
  const bool well_formed =
      typed.size() == kOneTimeCodeDigits &&
      std::all_of(typed.begin(), typed.end(), [](char c) { return c >= '0' && c <= '9'; });
  // Hashed either way, so a malformed answer takes as long as a wrong one.
  const auto hash = code_hash(stored.salt, well_formed ? typed : std::string_view("------"));
  if (!well_formed || !ct_equal(hash, stored.hash)) return OneTimeCodeResult::wrong;
  stored.used = true;
  return OneTimeCodeResult::accepted;
}

}  // namespace tessera

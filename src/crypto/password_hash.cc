#include "crypto/password_hash.h"

#include <charconv>
#include <cstring>

#include <sodium.h>

namespace tessera {
namespace {

constexpr std::string_view kPrefix = "$argon2id$";

// Reads "m=<n>,t=<n>,p=<n>" out of a PHC string; nullopt-like false when absent or malformed.
bool parse_parameters(std::string_view encoded, Argon2Parameters& out) {
  if (!encoded.starts_with(kPrefix)) return false;
  const std::size_t start = encoded.find("$m=");
  if (start == std::string_view::npos) return false;
  std::string_view rest = encoded.substr(start + 3);
  std::uint32_t memory = 0;
  std::uint32_t iterations = 0;
  auto [after_memory, memory_error] =
      std::from_chars(rest.data(), rest.data() + rest.size(), memory);
  if (memory_error != std::errc() || !std::string_view(after_memory).starts_with(",t=")) {
    return false;
  }
  const char* iterations_start = after_memory + 3;
  auto [after_iterations, iterations_error] =
      std::from_chars(iterations_start, rest.data() + rest.size(), iterations);
  if (iterations_error != std::errc()) return false;
  out.memory_kib = memory;
  out.iterations = iterations;
  return true;
}

}  // namespace

Status validate(const Argon2Parameters& parameters) {
  if (parameters.memory_kib < 7 * 1024 || parameters.memory_kib > 4u * 1024 * 1024) {
    return invalid_argument("password hashing memory must be between 7168 and 4194304 KiB");
  }
  if (parameters.iterations < 1 || parameters.iterations > 64) {
    return invalid_argument("password hashing iterations must be between 1 and 64");
  }
  return Status();
}

Result<std::string> PasswordHasher::hash(const SecretBytes& password) const {
  char encoded[crypto_pwhash_STRBYTES] = {};
  if (crypto_pwhash_str_alg(encoded, reinterpret_cast<const char*>(password.data()),
                            password.size(), parameters_.iterations,
                            static_cast<std::size_t>(parameters_.memory_kib) * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return resource_exhausted("not enough memory to hash a password");
  }
  return std::string(encoded);
}

bool PasswordHasher::verify(const SecretBytes& password, std::string_view encoded) const {
  if (!encoded.starts_with(kPrefix) || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  char terminated[crypto_pwhash_STRBYTES] = {};
  std::memcpy(terminated, encoded.data(), encoded.size());
  return crypto_pwhash_str_verify(terminated, reinterpret_cast<const char*>(password.data()),
                                  password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view encoded) const {
  Argon2Parameters stored;
  if (!parse_parameters(encoded, stored)) return true;
  return !(stored == parameters_);
}

void PasswordHasher::dummy_verify(const SecretBytes& password) const {
  // Hashing costs what verifying costs (same parameters, same memory), and needs no stored hash.
  (void)hash(password);
}

}  // namespace tessera

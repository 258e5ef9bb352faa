// Argon2id password hashing (libsodium crypto_pwhash) in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", so parameters can change later: old hashes still
// verify, and needs_rehash() tells the caller to store a new hash after a successful sign-in.
//
// Hashing is deliberately slow (tens of milliseconds) and memory-hungry: call it on the worker
// pool, never on an I/O thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace tessera {

struct Argon2Parameters {
  std::uint32_t memory_kib = 19 * 1024;  // m, OWASP default 19 MiB
  std::uint32_t iterations = 2;          // t
  // p: libsodium's Argon2id uses one lane; the PHC string says p=1.
  friend bool operator==(const Argon2Parameters&, const Argon2Parameters&) = default;
};

// ok or invalid_argument (memory 7 MiB-4 GiB, iterations 1-64). The floor is the memory of OWASP's
// smallest recommended setting (7 MiB with t=5); the configuration demands a whole OWASP pair.
Status validate(const Argon2Parameters& parameters);

class PasswordHasher {
 public:
  explicit PasswordHasher(Argon2Parameters parameters) : parameters_(parameters) {}

  const Argon2Parameters& parameters() const { return parameters_; }

  // A PHC string for `password`. resource_exhausted if memory cannot be allocated.
  Result<std::string> hash(const SecretBytes& password) const;
  // True when `password` matches `encoded` (constant-time inside libsodium). A malformed or
  // non-argon2id `encoded` never matches.
  bool verify(const SecretBytes& password, std::string_view encoded) const;
  // True when `encoded` was made with other parameters than this hasher's.
  bool needs_rehash(std::string_view encoded) const;

  // Work equal to one verify(), for unknown users, so their sign-in takes as long as a real one.
  void dummy_verify(const SecretBytes& password) const;

 private:
  Argon2Parameters parameters_;
};

}  // namespace tessera

// Where Argon2id runs. Use cases call this seam instead of PasswordHasher directly, so a server can
// run the hashing on its bounded hashing pool while the rest of a request (database work, which
// waits on the disk) stays on other threads: a hashing thread then never idles on I/O.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "crypto/password_hash.h"

namespace tessera {

class PasswordHashing {
 public:
  virtual ~PasswordHashing() = default;
  // resource_exhausted when the work cannot be queued (the server answers 503).
  virtual Result<bool> verify(const SecretBytes& password, std::string_view encoded) = 0;
  virtual Result<std::string> hash(const SecretBytes& password) = 0;
  virtual Status dummy_verify(const SecretBytes& password) = 0;
  virtual bool needs_rehash(std::string_view encoded) const = 0;
};

// Runs on the calling thread (CLI, tests).
class InlinePasswordHashing final : public PasswordHashing {
 public:
  explicit InlinePasswordHashing(const PasswordHasher& hasher) : hasher_(hasher) {}
  Result<bool> verify(const SecretBytes& password, std::string_view encoded) override {
    return hasher_.verify(password, encoded);
  }
  Result<std::string> hash(const SecretBytes& password) override { return hasher_.hash(password); }
  Status dummy_verify(const SecretBytes& password) override {
    hasher_.dummy_verify(password);
    return Status();
  }
  bool needs_rehash(std::string_view encoded) const override {
    return hasher_.needs_rehash(encoded);
  }

 private:
  const PasswordHasher& hasher_;
};

}  // namespace tessera

// PasswordHashing on the server's bounded hashing pool: the calling thread (a password-pool
// thread doing the database work of a request) waits while a hashing thread runs Argon2id, so
// hashing threads do nothing but hash. When the pool's queue is full the caller gets
// resource_exhausted and the page answers 503 with Retry-After; the server sizes the pools so
// that admitted requests never see that (server_setup.h).
#pragma once

#include "http/worker_pool.h"
#include "service/password_hashing.h"

namespace tessera {

class PooledPasswordHashing final : public PasswordHashing {
 public:
  // Both must outlive this object.
  PooledPasswordHashing(const PasswordHasher& hasher, WorkerPool& pool)
      : hasher_(hasher), pool_(pool) {}

  Result<bool> verify(const SecretBytes& password, std::string_view encoded) override;
  Result<std::string> hash(const SecretBytes& password) override;
  Status dummy_verify(const SecretBytes& password) override;
  bool needs_rehash(std::string_view encoded) const override {
    return hasher_.needs_rehash(encoded);
  }

 private:
  const PasswordHasher& hasher_;
  WorkerPool& pool_;
};

}  // namespace tessera

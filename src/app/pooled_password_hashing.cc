#include "app/pooled_password_hashing.h"

#include <future>
#include <memory>
#include <optional>

namespace tessera {
namespace {

// Runs `work` on `pool` and waits for its result; nullopt when the pool refused the job. The
// caller blocks until the job ran, so references captured by `work` stay valid.
template <typename T, typename Work>
std::optional<T> run_on(WorkerPool& pool, Work work) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> result = promise->get_future();
  if (!pool.try_submit([promise, &work] { promise->set_value(work()); })) return std::nullopt;
  return result.get();
}

Status busy() {
  return resource_exhausted("too many sign-ins at once; try again in a moment");
}

}  // namespace

Result<bool> PooledPasswordHashing::verify(const SecretBytes& password, std::string_view encoded) {
  auto verified = run_on<bool>(pool_, [&] { return hasher_.verify(password, encoded); });
  if (!verified) return busy();
  return *verified;
}

Result<std::string> PooledPasswordHashing::hash(const SecretBytes& password) {
  auto hashed = run_on<Result<std::string>>(pool_, [&] { return hasher_.hash(password); });
  if (!hashed) return busy();
  return std::move(*hashed);
}

Status PooledPasswordHashing::dummy_verify(const SecretBytes& password) {
  auto done = run_on<bool>(pool_, [&] {
    hasher_.dummy_verify(password);
    return true;
  });
  return done ? Status() : busy();
}

}  // namespace tessera

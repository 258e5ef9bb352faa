// The cost of the primitives a sign-in is made of. Argon2id at the default parameters is the bound
// every password sign-in pays; the others should be negligible next to it, and the report says so
// as ratios against that baseline.
#include <benchmark/benchmark.h>

#include "base/rng.h"
#include "crypto/aead.h"
#include "crypto/otp.h"
#include "crypto/password_hash.h"
#include "crypto/sodium_init.h"
#include "crypto/token.h"

namespace tessera {
namespace {

void Argon2idHashDefaultParameters(benchmark::State& state) {
  init_crypto_library();
  const PasswordHasher hasher{Argon2Parameters{}};
  const auto password = SecretBytes::from_string("correct horse battery staple");
  for (auto _ : state)
    benchmark::DoNotOptimize(hasher.hash(password));
}
BENCHMARK(Argon2idHashDefaultParameters)->Unit(benchmark::kMillisecond)->UseRealTime();

void TotpMatchWithSkew(benchmark::State& state) {
  SystemRng rng;
  const SecretBytes seed = rng.secret_bytes(20);
  const TotpParameters parameters;
  const Timestamp now = from_unix_seconds(1'800'000'000);
  const std::string code = totp(seed.span(), now, parameters);
  for (auto _ : state)
    benchmark::DoNotOptimize(match_totp(seed.span(), code, now, parameters));
}
BENCHMARK(TotpMatchWithSkew)->Unit(benchmark::kMicrosecond);

void SealAndOpenSeed(benchmark::State& state) {
  init_crypto_library();
  SystemRng rng;
  const SecretSealer sealer = *SecretSealer::make(rng.secret_bytes(32));
  const SecretBytes seed = rng.secret_bytes(20);
  for (auto _ : state) {
    const auto sealed = sealer.seal(seed.span(), "methods:0123", rng);
    benchmark::DoNotOptimize(sealer.open(sealed, "methods:0123"));
  }
}
BENCHMARK(SealAndOpenSeed)->Unit(benchmark::kMicrosecond);

void IssueSessionToken(benchmark::State& state) {
  init_crypto_library();
  SystemRng rng;
  for (auto _ : state)
    benchmark::DoNotOptimize(issue_token(rng));
}
BENCHMARK(IssueSessionToken)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();

#include "crypto/otp.h"

#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "base/rng.h"
#include "crypto/base32.h"

namespace tessera {
namespace {

std::span<const std::uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// RFC 4226 appendix D: secret "12345678901234567890", counters 0-9.
TEST(Hotp, PassesEveryRfc4226Vector) {
  const std::string secret = "12345678901234567890";
  const std::array<const char*, 10> expected = {"755224", "287082", "359152", "969429", "338314",
                                                "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < expected.size(); ++counter) {
    EXPECT_EQ(hotp(bytes_of(secret), counter, 6), expected[counter]) << "counter " << counter;
  }
}

struct Rfc6238Vector {
  std::int64_t time;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};

// RFC 6238 appendix B, 8 digits, with the per-algorithm seeds of its reference code.
TEST(Totp, PassesEveryRfc6238Vector) {
  const std::string seed20 = "12345678901234567890";
  const std::string seed32 = "12345678901234567890123456789012";
  const std::string seed64 = "1234567890123456789012345678901234567890123456789012345678901234";
  const std::array<Rfc6238Vector, 6> vectors = {{
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  }};
  for (const auto& vector : vectors) {
    const Timestamp t = from_unix_seconds(vector.time);
    TotpParameters parameters;
    parameters.digits = 8;
    parameters.algorithm = OtpAlgorithm::sha1;
    EXPECT_EQ(totp(bytes_of(seed20), t, parameters), vector.sha1) << vector.time;
    parameters.algorithm = OtpAlgorithm::sha256;
    EXPECT_EQ(totp(bytes_of(seed32), t, parameters), vector.sha256) << vector.time;
    parameters.algorithm = OtpAlgorithm::sha512;
    EXPECT_EQ(totp(bytes_of(seed64), t, parameters), vector.sha512) << vector.time;
  }
}

TEST(Totp, StepIsFloorOfTimeOverPeriod) {
  EXPECT_EQ(totp_step(from_unix_seconds(59), std::chrono::seconds(30)), 1);
  EXPECT_EQ(totp_step(from_unix_seconds(60), std::chrono::seconds(30)), 2);
  EXPECT_EQ(totp_step(from_unix_seconds(0), std::chrono::seconds(30)), 0);
}

TEST(Totp, MatchAcceptsCodesWithinSkewAndReportsTheirStep) {
  const std::string seed = "12345678901234567890";
  TotpParameters parameters;
  const Timestamp now = from_unix_seconds(1111111111);
  const std::int64_t step = totp_step(now, parameters.period);
  const std::string previous = hotp(bytes_of(seed), static_cast<std::uint64_t>(step - 1), 6);
  const std::string next = hotp(bytes_of(seed), static_cast<std::uint64_t>(step + 1), 6);
  const std::string too_old = hotp(bytes_of(seed), static_cast<std::uint64_t>(step - 2), 6);
  EXPECT_EQ(match_totp(bytes_of(seed), totp(bytes_of(seed), now, parameters), now, parameters),
            step);
  EXPECT_EQ(match_totp(bytes_of(seed), previous, now, parameters), step - 1);
  EXPECT_EQ(match_totp(bytes_of(seed), next, now, parameters), step + 1);
  if (too_old != previous && too_old != next && too_old != totp(bytes_of(seed), now, parameters)) {
    EXPECT_EQ(match_totp(bytes_of(seed), too_old, now, parameters), std::nullopt);
  }
}

TEST(Totp, MatchRefusesMalformedCodes) {
  const std::string seed = "12345678901234567890";
  TotpParameters parameters;
  const Timestamp now = from_unix_seconds(1111111111);
  std::string code = totp(bytes_of(seed), now, parameters);
  EXPECT_EQ(match_totp(bytes_of(seed), code + "0", now, parameters), std::nullopt);
  EXPECT_EQ(match_totp(bytes_of(seed), code.substr(1), now, parameters), std::nullopt);
  EXPECT_EQ(match_totp(bytes_of(seed), "12345a", now, parameters), std::nullopt);
  EXPECT_EQ(match_totp(bytes_of(seed), "", now, parameters), std::nullopt);
}

std::string run_oathtool(const std::string& arguments) {
  const std::string command = "oathtool " + arguments + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string output;
  char buffer[128];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    output += buffer;
  pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
    output.pop_back();
  return output;
}

// The same codes an authenticator app computes: oathtool, given the base32 secret we would show.
TEST(Totp, AgreesWithOathtoolOnRandomSecrets) {
  ASSERT_EQ(std::system("command -v oathtool >/dev/null"), 0) << "oathtool is not installed";
  DeterministicRng rng(20261128);
  const std::array<std::pair<OtpAlgorithm, const char*>, 3> algorithms = {
      {{OtpAlgorithm::sha1, "sha1"},
       {OtpAlgorithm::sha256, "sha256"},
       {OtpAlgorithm::sha512, "sha512"}}};
  for (int round = 0; round < 12; ++round) {
    const auto& [algorithm, name] = algorithms[static_cast<std::size_t>(round % 3)];
    const SecretBytes secret = rng.secret_bytes(20);
    const std::string base32 = base32_encode(secret.span());
    const std::int64_t time = 1'000'000'000 + static_cast<std::int64_t>(rng.uniform(900'000'000));
    const int digits = 6 + round % 3;
    TotpParameters parameters;
    parameters.algorithm = algorithm;
    parameters.digits = digits;
    const std::string ours = totp(secret.span(), from_unix_seconds(time), parameters);
    const std::string theirs = run_oathtool("--totp=" + std::string(name) +
                                            " --base32 --digits=" + std::to_string(digits) +
                                            " --now=@" + std::to_string(time) + " " + base32);
    EXPECT_EQ(ours, theirs) << name << " at " << time;
    const std::string counter_theirs =
        run_oathtool("--hotp --base32 --digits=6 --counter=" + std::to_string(time) + " " + base32);
    EXPECT_EQ(hotp(secret.span(), static_cast<std::uint64_t>(time), 6), counter_theirs);
  }
}

}  // namespace
}  // namespace tessera

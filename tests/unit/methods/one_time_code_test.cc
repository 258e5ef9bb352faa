// One-time codes: what is sent, what is kept, and every way a code is refused.
#include "methods/one_time_code.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"

namespace tessera {
namespace {

const Timestamp kNow = from_unix_seconds(1'795'000'000);

class OneTimeCode : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init_crypto_library()); }
  DeterministicRng rng_{21};
};

TEST_F(OneTimeCode, IsSixDigitsWithLeadingZerosAndOnlyItsHashIsKept) {
  std::set<char> first_digits;
  for (int i = 0; i < 200; ++i) {
    IssuedCode issued = issue_one_time_code(rng_, kNow);
    const std::string code(issued.code.view());
    ASSERT_EQ(code.size(), 6u);
    for (const char c : code)
      ASSERT_TRUE(c >= '0' && c <= '9') << code;
    first_digits.insert(code[0]);
    const auto kept = issued.stored.encode();
    EXPECT_EQ(std::string(kept.begin(), kept.end()).find(code), std::string::npos);
    EXPECT_EQ(issued.stored.expires_at, kNow + std::chrono::minutes(10));
  }
  EXPECT_EQ(first_digits.size(), 10u) << "every first digit, 0 included, occurs";
}

TEST_F(OneTimeCode, IsAcceptedOnceOnly) {
  IssuedCode issued = issue_one_time_code(rng_, kNow);
  const std::string code(issued.code.view());
  EXPECT_EQ(check_one_time_code(issued.stored, code, kNow), OneTimeCodeResult::accepted);
  EXPECT_EQ(check_one_time_code(issued.stored, code, kNow), OneTimeCodeResult::used);
}

TEST_F(OneTimeCode, FiveTriesThenEvenTheRightCodeIsRefused) {
  IssuedCode issued = issue_one_time_code(rng_, kNow);
  const std::string code(issued.code.view());
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (const std::string& typed : {wrong, std::string("12345"), std::string("12a456"), wrong}) {
    EXPECT_EQ(check_one_time_code(issued.stored, typed, kNow), OneTimeCodeResult::wrong) << typed;
  }
  EXPECT_EQ(issued.stored.tries, 4);
  StoredCode copy = issued.stored;
  EXPECT_EQ(check_one_time_code(copy, code, kNow), OneTimeCodeResult::accepted) << "the 5th try";
  EXPECT_EQ(check_one_time_code(issued.stored, wrong, kNow), OneTimeCodeResult::wrong);
  EXPECT_EQ(check_one_time_code(issued.stored, code, kNow), OneTimeCodeResult::no_tries_left);
}

TEST_F(OneTimeCode, ExpiresAfterTenMinutes) {
  IssuedCode issued = issue_one_time_code(rng_, kNow);
  const std::string code(issued.code.view());
  StoredCode in_time = issued.stored;
  EXPECT_EQ(check_one_time_code(in_time, code, kNow + std::chrono::seconds(599)),
            OneTimeCodeResult::accepted);
  EXPECT_EQ(check_one_time_code(issued.stored, code, kNow + std::chrono::minutes(10)),
            OneTimeCodeResult::expired);
}

TEST_F(OneTimeCode, SurvivesTheFlowStateAndRefusesDamagedBytes) {
  IssuedCode issued = issue_one_time_code(rng_, kNow);
  (void)check_one_time_code(issued.stored, "999999", kNow);
  const auto bytes = issued.stored.encode();
  auto decoded = StoredCode::decode(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->tries, issued.stored.tries);
  EXPECT_EQ(decoded->expires_at, issued.stored.expires_at);
  EXPECT_EQ(check_one_time_code(*decoded, std::string(issued.code.view()), kNow),
            OneTimeCodeResult::accepted);
  EXPECT_FALSE(StoredCode::decode(std::span(bytes).first(bytes.size() - 1)));
  auto bad_flag = bytes;
  bad_flag.back() = 7;
  EXPECT_FALSE(StoredCode::decode(bad_flag));
  auto too_many_tries = bytes;
  too_many_tries[59] = 9;
  EXPECT_FALSE(StoredCode::decode(too_many_tries));
}

}  // namespace
}  // namespace tessera

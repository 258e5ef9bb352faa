// The base layer: errors as values, secrets, randomness, encodings and dates.
#include <set>

#include <gtest/gtest.h>

#include "base/ct_equal.h"
#include "base/hex.h"
#include "base/ids.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "base/time_format.h"

namespace tessera {
namespace {

Result<int> half(int value) {
  if (value % 2 != 0) return invalid_argument("odd");
  return value / 2;
}

Result<int> quarter(int value) {
  TESSERA_ASSIGN_OR_RETURN(int halved, half(value));
  return half(halved);
}

TEST(Result, CarriesValueOrErrorAndPropagates) {
  EXPECT_EQ(*quarter(8), 2);
  const auto odd = quarter(6);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(odd.status().message(), "odd");
  EXPECT_EQ(odd.status().to_string(), "invalid_argument: odd");
  EXPECT_TRUE(Status().ok());
}

TEST(ConstantTimeEqual, ComparesContentsAndLengths) {
  EXPECT_TRUE(ct_equal("123456", "123456"));
  EXPECT_FALSE(ct_equal("123456", "123457"));
  EXPECT_FALSE(ct_equal("123456", "12345"));
  EXPECT_TRUE(ct_equal("", ""));
}

TEST(SecretBytes, WipeEmptiesAndEqualsComparesContents) {
  SecretBytes secret = SecretBytes::from_string("seed");
  EXPECT_TRUE(secret.equals(SecretBytes::from_string("seed")));
  EXPECT_FALSE(secret.equals(SecretBytes::from_string("seeD")));
  SecretBytes moved = std::move(secret);
  EXPECT_EQ(moved.view(), "seed");
  moved.wipe();
  EXPECT_TRUE(moved.empty());
  std::string text = "password";
  wipe_string(text);
  EXPECT_TRUE(text.empty() || text.find_first_not_of('\0') == std::string::npos);
}

TEST(Hex, RoundTripsAndRefusesMalformedText) {
  const std::vector<std::uint8_t> bytes = {0x00, 0xab, 0xff};
  EXPECT_EQ(to_hex(bytes), "00abff");
  EXPECT_EQ(*from_hex("00ABff"), bytes);
  EXPECT_FALSE(from_hex("abc").ok());
  EXPECT_FALSE(from_hex("zz").ok());
  EXPECT_FALSE(from_hex("0g").ok());
  EXPECT_FALSE(from_hex("00 1").ok());
  EXPECT_TRUE(from_hex("")->empty());
  EXPECT_EQ(to_hex({}), "");
}

TEST(Rng, DeterministicRngRepeatsAndUniformStaysInBounds) {
  DeterministicRng first(1);
  DeterministicRng second(1);
  EXPECT_TRUE(first.secret_bytes(32).equals(second.secret_bytes(32)));
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::uint32_t value = first.uniform(10);
    ASSERT_LT(value, 10u);
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(first.string_from("ab", 16).find_first_not_of("ab"), std::string::npos);
}

TEST(Ids, AreUniqueAndRecognised) {
  SystemRng rng;
  const std::string a = new_id(rng);
  const std::string b = new_id(rng);
  EXPECT_NE(a, b);
  EXPECT_TRUE(looks_like_id(a));
  EXPECT_FALSE(looks_like_id("../etc/passwd"));
}

TEST(TimeFormat, ParsesStrictDatesOnly) {
  auto date = parse_date("2026-12-01");
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(format_date(*date), "2026-12-01");
  EXPECT_EQ(to_unix_seconds(start_of_day(*date)), 1796083200);
  for (std::string_view bad :
       {"2026-13-01", "2026-02-30", "26-12-01", "2026-12-1", "tomorrow", "2026-12-01x", ""}) {
    EXPECT_FALSE(parse_date(bad).ok()) << bad;
  }
  EXPECT_EQ(format_date(date_of(from_unix_seconds(1796083200 + 86399))), "2026-12-01");
}

}  // namespace
}  // namespace tessera

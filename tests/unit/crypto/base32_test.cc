#include "crypto/base32.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// RFC 4648 section 10.
TEST(Base32, EncodesRfc4648Vectors) {
  EXPECT_EQ(base32_encode(bytes_of(""), true), "");
  EXPECT_EQ(base32_encode(bytes_of("f"), true), "MY======");
  EXPECT_EQ(base32_encode(bytes_of("fo"), true), "MZXQ====");
  EXPECT_EQ(base32_encode(bytes_of("foo"), true), "MZXW6===");
  EXPECT_EQ(base32_encode(bytes_of("foob"), true), "MZXW6YQ=");
  EXPECT_EQ(base32_encode(bytes_of("fooba"), true), "MZXW6YTB");
  EXPECT_EQ(base32_encode(bytes_of("foobar"), true), "MZXW6YTBOI======");
  EXPECT_EQ(base32_encode(bytes_of("foobar")), "MZXW6YTBOI");
}

TEST(Base32, DecodesWhatPeopleType) {
  for (std::string_view text : {"MZXW6YTBOI======", "mzxw6ytboi", "MZXW 6YTB OI", "MZXW-6YTB-OI"}) {
    auto decoded = base32_decode(text);
    ASSERT_TRUE(decoded.ok()) << text;
    EXPECT_EQ(decoded->view(), "foobar") << text;
  }
}

TEST(Base32, RefusesForeignCharactersAndImpossibleLengths) {
  EXPECT_EQ(base32_decode("MZXW1").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(base32_decode("MZX!").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(base32_decode("M").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(base32_decode("MZX").status().code(), ErrorCode::invalid_argument);
}

TEST(Base32, RoundTripsEveryLength) {
  std::vector<std::uint8_t> bytes;
  for (int length = 0; length < 40; ++length) {
    auto decoded = base32_decode(base32_encode(bytes));
    ASSERT_TRUE(decoded.ok()) << length;
    EXPECT_TRUE(
        std::equal(decoded->span().begin(), decoded->span().end(), bytes.begin(), bytes.end()));
    bytes.push_back(static_cast<std::uint8_t>(length * 37 + 11));
  }
}

}  // namespace
}  // namespace tessera

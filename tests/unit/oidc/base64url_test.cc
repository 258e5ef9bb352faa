#include "oidc/base64url.h"

#include <string>

#include <gtest/gtest.h>

namespace tessera {
namespace {

// RFC 4648 §10, without the padding.
TEST(Base64url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64url, UsesTheUrlSafeAlphabet) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64url, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int value = 0; value < 256; ++value)
    bytes.push_back(static_cast<char>(value));
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    const std::string prefix = bytes.substr(0, length);
    EXPECT_EQ(base64url_decode(base64url_encode(prefix)), prefix) << length;
  }
  EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
}

TEST(Base64url, DecodesTheEmptyText) {
  EXPECT_EQ(base64url_decode(""), std::string());
}

TEST(Base64url, RejectsPadding) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm8="));
  EXPECT_FALSE(base64url_decode("Zm9v===="));
  EXPECT_FALSE(base64url_decode("="));
}

TEST(Base64url, RejectsTheStandardAlphabet) {
  EXPECT_FALSE(base64url_decode("+_8"));
  EXPECT_FALSE(base64url_decode("-/8"));
}

TEST(Base64url, RejectsWhitespace) {
  EXPECT_FALSE(base64url_decode("Zm9v Yg"));
  EXPECT_FALSE(base64url_decode(" Zm9v"));
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("Zm9v\r\nYg"));
  EXPECT_FALSE(base64url_decode("Zm9v\tYg"));
}

TEST(Base64url, RejectsOtherCharactersAndEmbeddedNul) {
  EXPECT_FALSE(base64url_decode("Zm9v.Yg"));
  EXPECT_FALSE(base64url_decode("Zm9v\xc3\xa9"));
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
}

// "Zg" is the one spelling of "f"; "Zh" has a set bit past the end of the byte.
TEST(Base64url, RejectsNonCanonicalTrailingBits) {
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zm9"));  // "fo" is "Zm8"
  EXPECT_EQ(base64url_decode("Zm8"), std::string("fo"));
}

TEST(Base64url, RejectsImpossibleLengths) {
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

}  // namespace
}  // namespace tessera

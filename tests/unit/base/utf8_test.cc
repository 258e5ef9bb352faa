#include "base/utf8.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(Utf8, DecodesOneToFourByteCharacters) {
  EXPECT_EQ(decode_utf8_at("a", 0).code_point, U'a');
  EXPECT_EQ(decode_utf8_at("a", 0).length, 1u);
  EXPECT_EQ(decode_utf8_at("\xc3\xa9", 0).code_point, U'\u00e9');
  EXPECT_EQ(decode_utf8_at("\xc3\xa9", 0).length, 2u);
  EXPECT_EQ(decode_utf8_at("x\xe3\x80\x80", 1).code_point, U'\u3000');
  EXPECT_EQ(decode_utf8_at("x\xe3\x80\x80", 1).length, 3u);
  EXPECT_EQ(decode_utf8_at("\xf0\x9f\x94\x91", 0).code_point, U'\U0001f511');
  EXPECT_EQ(decode_utf8_at("\xf0\x9f\x94\x91", 0).length, 4u);
}

TEST(Utf8, RefusesOverlongSurrogateTruncatedAndOutOfRangeForms) {
  for (const char* bad : {"\xc0\xa0", "\xe0\x80\xa0", "\xf0\x80\x80\xa0", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xe2\x82", "\x80", "\xff", "\xc3("}) {
    EXPECT_EQ(decode_utf8_at(bad, 0).length, 0u) << bad;
  }
}

TEST(Utf8, ReplacesEachInvalidByteAndKeepsValidText) {
  EXPECT_EQ(to_valid_utf8("Zo\xc3\xab"), "Zo\xc3\xab");
  EXPECT_EQ(to_valid_utf8("a\xffz"), "a\xef\xbf\xbdz");
  EXPECT_EQ(to_valid_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(to_valid_utf8(""), "");
}

}  // namespace
}  // namespace tessera

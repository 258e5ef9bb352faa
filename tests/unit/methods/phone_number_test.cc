#include "methods/phone_number.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(PhoneNumber, NationalNumberTypedWithItsRegionBecomesE164) {
  auto e164 = to_e164("GB", "07400 123456");
  ASSERT_TRUE(e164.ok()) << e164.status().message();
  EXPECT_EQ(*e164, "+447400123456");
  auto us = to_e164("US", "(201) 555-0123");
  ASSERT_TRUE(us.ok()) << us.status().message();
  EXPECT_EQ(*us, "+12015550123");
}

TEST(PhoneNumber, InternationalFormIsTakenWhateverTheRegion) {
  auto e164 = to_e164("US", "+44 7400 123456");
  ASSERT_TRUE(e164.ok());
  EXPECT_EQ(*e164, "+447400123456");
  EXPECT_TRUE(to_e164("", "+44 7400 123456").ok());
}

TEST(PhoneNumber, InvalidNumbersAreRefusedWithASentence) {
  for (const char* typed : {"", "hello", "123", "07400 12345678901", "+999 123456"}) {
    auto e164 = to_e164("GB", typed);
    EXPECT_FALSE(e164.ok()) << typed;
    if (!e164.ok()) {
      EXPECT_EQ(e164.status().code(), ErrorCode::invalid_argument);
    }
  }
  EXPECT_FALSE(to_e164("XX", "07400 123456").ok());
  EXPECT_FALSE(to_e164("GB", std::string(200, '1')).ok());
}

TEST(PhoneNumber, RegionsHaveNamesAndCallingCodes) {
  const auto& regions = phone_regions();
  ASSERT_GT(regions.size(), 200u);
  bool found = false;
  for (const auto& region : regions) {
    if (region.code != "GB") continue;
    found = true;
    EXPECT_EQ(region.calling_code, 44);
    EXPECT_EQ(region.name, "United Kingdom");
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(is_phone_region("DE"));
  EXPECT_FALSE(is_phone_region("ZZ"));
}

TEST(PhoneNumber, ShownAndMaskedForms) {
  EXPECT_EQ(calling_code_of("+447400123456"), 44);
  EXPECT_EQ(calling_code_of("not a number"), 0);
  EXPECT_EQ(display_phone("+447400123456"), "+44 7400 123456");
  EXPECT_EQ(masked_phone("+447400123456"), "+XX XXXXXXXX56");
  EXPECT_EQ(masked_phone("+12015550123"), "+X XXXXXXXX23");
}

}  // namespace
}  // namespace tessera

#include "domain/password_rules.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(PasswordRules, ShipsAtLeastTenThousandCommonPasswords) {
  EXPECT_GE(common_password_count(), 10000u);
}

TEST(PasswordRules, RefusesShortPasswords) {
  const Status status = check_new_password("Sh0rt!x");
  EXPECT_EQ(status.code(), ErrorCode::invalid_argument);
  EXPECT_NE(status.message().find("at least 8"), std::string::npos);
  EXPECT_TRUE(check_new_password("correct horse").ok());
}

TEST(PasswordRules, CountsCharactersNotBytes) {
  // Seven characters of two bytes each: 14 bytes, still too short.
  EXPECT_FALSE(check_new_password("ééééééé").ok());
  EXPECT_TRUE(check_new_password("éééééééé").ok());
}

TEST(PasswordRules, AcceptsLongPassphrasesUpToTheMaximum) {
  EXPECT_TRUE(check_new_password(std::string(128, 'q')).ok());
  EXPECT_TRUE(check_new_password(std::string(64, 'w')).ok());
  const Status too_long = check_new_password(std::string(129, 'q'));
  EXPECT_NE(too_long.message().find("at most 128"), std::string::npos);
}

TEST(PasswordRules, HasNoCompositionRules) {
  EXPECT_TRUE(check_new_password("lowercase only words here").ok());
  EXPECT_TRUE(check_new_password("74918362519").ok());
}

TEST(PasswordRules, RefusesCommonPasswordsInAnyCase) {
  for (const char* password : {"password", "PASSWORD", "Password", "12345678", "qwertyuiop",
                               "iloveyou", "trustno1", "1qaz2wsx"}) {
    const Status status = check_new_password(password);
    EXPECT_EQ(status.code(), ErrorCode::invalid_argument) << password;
    EXPECT_NE(status.message().find("commonly used"), std::string::npos) << password;
  }
  EXPECT_TRUE(is_common_password("Baseball"));
  EXPECT_FALSE(is_common_password("vq7-Horse-battery-Zeppelin"));
}

TEST(PasswordRules, RefusesTheUsersOwnNames) {
  const PasswordContext context{"alice.smith@example.com", "Alice Smith Jones"};
  EXPECT_FALSE(check_new_password("alice.smith", context).ok());
  EXPECT_FALSE(check_new_password("Alice.Smith@example.com", context).ok());
  EXPECT_FALSE(check_new_password("alice smith jones", context).ok());
  EXPECT_TRUE(check_new_password("alice.smith.garden.gnome", context).ok());
}

TEST(PasswordRules, RefusesInvalidUtf8) {
  EXPECT_FALSE(check_new_password(std::string("abcdefgh\xff", 9)).ok());
  EXPECT_FALSE(check_new_password(std::string("abcdefgh\xc3", 9)).ok());
}

}  // namespace

TEST(PasswordRules, EachRuleHasItsRefusal) {
  const PasswordContext alice{"alice.smith@example.com", "Alice Smith Jones"};
  EXPECT_EQ(password_refusal(std::string("abcdefgh\xff", 9)), PasswordRefusal::not_text);
  EXPECT_EQ(password_refusal("Sh0rt!x"), PasswordRefusal::too_short);
  EXPECT_EQ(password_refusal(std::string(129, 'q')), PasswordRefusal::too_long);
  EXPECT_EQ(password_refusal("Password"), PasswordRefusal::common);
  EXPECT_EQ(password_refusal("Alice Smith Jones", alice), PasswordRefusal::names_you);
  EXPECT_EQ(password_refusal("vq7-Horse-battery-Zeppelin", alice), std::nullopt);
}

}  // namespace tessera

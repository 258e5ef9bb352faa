#include "domain/upn.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(CanonicalUpn, LowerCasesAndTrims) {
  EXPECT_EQ(*canonical_upn("  Alice.Smith@Example.COM "), "alice.smith@example.com");
}

TEST(CanonicalUpn, AcceptsCommonForms) {
  for (const char* upn :
       {"a@b.co", "first.last+tag@sub.example.org", "o'brien@example.ie", "x_y-z%1@a-b.example"}) {
    EXPECT_TRUE(canonical_upn(upn).ok()) << upn;
  }
}

TEST(CanonicalUpn, RefusesMalformedNames) {
  for (const char* upn :
       {"", "   ", "alice", "alice@", "@example.com", "alice@example", "alice@@example.com",
        "a@b@example.com", ".alice@example.com", "alice.@example.com", "al..ice@example.com",
        "alice@-example.com", "alice@example-.com", "alice@exa mple.com", "alice@example..com",
        "ali ce@example.com", "alice<script>@example.com", "alice@example.com\n"}) {
    auto result = canonical_upn(upn);
    // A trailing newline is whitespace and trimmed; everything else must be refused.
    if (std::string_view(upn) == "alice@example.com\n") {
      EXPECT_TRUE(result.ok());
      continue;
    }
    EXPECT_FALSE(result.ok()) << upn;
    EXPECT_EQ(result.status().code(), ErrorCode::invalid_argument);
  }
}

TEST(CanonicalUpn, BoundsLengths) {
  EXPECT_FALSE(canonical_upn(std::string(65, 'a') + "@example.com").ok());
  EXPECT_TRUE(canonical_upn(std::string(64, 'a') + "@example.com").ok());
  std::string long_domain;
  for (int i = 0; i < 5; ++i)
    long_domain += std::string(60, 'd') + ".";
  EXPECT_FALSE(canonical_upn("a@" + long_domain + "com").ok());
  EXPECT_FALSE(canonical_upn("a@" + std::string(64, 'd') + ".com").ok());
}

TEST(CanonicalUpn, MessageSaysWhatIsWrong) {
  EXPECT_NE(canonical_upn("alice").status().message().find("alice@example.com"), std::string::npos);
}

}  // namespace
}  // namespace tessera

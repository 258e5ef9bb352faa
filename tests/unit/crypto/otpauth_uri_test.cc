#include "crypto/otpauth_uri.h"

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"
#include "crypto/token.h"

namespace tessera {
namespace {

TEST(OtpauthUri, FollowsTheKeyUriFormat) {
  const auto secret = SecretBytes::from_string("Hello!\xde\xad\xbe\xef");
  const auto uri = totp_uri("Contoso Ltd", "alice@example.com", secret, TotpParameters{});
  EXPECT_EQ(uri.view(),
            "otpauth://totp/Contoso%20Ltd:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer="
            "Contoso%20Ltd&algorithm=SHA1&digits=6&period=30");
}

TEST(Token, IssuedTokenIsUrlSafeAndOnlyItsHashIsKept) {
  ASSERT_TRUE(init_crypto_library());
  SystemRng rng;
  const IssuedToken issued = issue_token(rng);
  EXPECT_EQ(issued.token.size(), 43u);
  for (const char c : issued.token.view()) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
  }
  EXPECT_EQ(issued.token_hash, hash_token(issued.token.view()));
  EXPECT_EQ(issued.token_hash.size(), 64u);
  EXPECT_EQ(issued.token_hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(hash_token(std::string(600, 'a')), "");
  EXPECT_NE(issue_token(rng).token_hash, issued.token_hash);
}

}  // namespace
}  // namespace tessera

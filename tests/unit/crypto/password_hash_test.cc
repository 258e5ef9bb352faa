#include "crypto/password_hash.h"

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"

namespace tessera {
namespace {

// Small parameters keep the tests fast; the format and behaviour do not depend on them.
constexpr Argon2Parameters kFast{8 * 1024, 1};

class PasswordHash : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init_crypto_library()); }
  PasswordHasher hasher_{kFast};
};

TEST_F(PasswordHash, HashIsAnArgon2idPhcStringThatVerifies) {
  auto hash = hasher_.hash(SecretBytes::from_string("correct horse battery"));
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=8192,t=1,p=1$")) << *hash;
  EXPECT_TRUE(hasher_.verify(SecretBytes::from_string("correct horse battery"), *hash));
  EXPECT_FALSE(hasher_.verify(SecretBytes::from_string("correct horse batterY"), *hash));
}

TEST_F(PasswordHash, SamePasswordGetsDifferentSalts) {
  auto first = hasher_.hash(SecretBytes::from_string("same password"));
  auto second = hasher_.hash(SecretBytes::from_string("same password"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
}

TEST_F(PasswordHash, MalformedOrForeignHashesNeverMatch) {
  const auto password = SecretBytes::from_string("password");
  EXPECT_FALSE(hasher_.verify(password, ""));
  EXPECT_FALSE(hasher_.verify(password, "$argon2i$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaA"));
  EXPECT_FALSE(hasher_.verify(password, "$argon2id$garbage"));
  EXPECT_FALSE(hasher_.verify(password, std::string(500, '$')));
}

TEST_F(PasswordHash, OldParametersStillVerifyAndAskForRehash) {
  auto old_hash = hasher_.hash(SecretBytes::from_string("long-lived password"));
  ASSERT_TRUE(old_hash.ok());
  const PasswordHasher stronger(Argon2Parameters{9 * 1024, 2});
  EXPECT_TRUE(stronger.verify(SecretBytes::from_string("long-lived password"), *old_hash));
  EXPECT_TRUE(stronger.needs_rehash(*old_hash));
  EXPECT_FALSE(hasher_.needs_rehash(*old_hash));
  EXPECT_TRUE(hasher_.needs_rehash("not a hash"));
}

TEST(PasswordHashParameters, ValidateRefusesOutOfRangeValues) {
  EXPECT_TRUE(validate(Argon2Parameters{}).ok());
  EXPECT_FALSE(validate(Argon2Parameters{1024, 2}).ok());
  EXPECT_FALSE(validate(Argon2Parameters{19 * 1024, 0}).ok());
  EXPECT_FALSE(validate(Argon2Parameters{19 * 1024, 65}).ok());
}

TEST(PasswordHashParameters, DefaultsAreOwaspArgon2id) {
  const Argon2Parameters defaults;
  EXPECT_EQ(defaults.memory_kib, 19456u);
  EXPECT_EQ(defaults.iterations, 2u);
}

}  // namespace
}  // namespace tessera

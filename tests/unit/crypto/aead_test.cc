#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"

namespace tessera {
namespace {

class Aead : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init_crypto_library()); }
  DeterministicRng rng_{42};
  SecretSealer sealer_ = *SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 1)));
};

TEST_F(Aead, SealedValueOpensWithSameAssociatedData) {
  const auto secret = SecretBytes::from_string("JBSWY3DPEHPK3PXP seed");
  const auto sealed = sealer_.seal(secret.span(), "methods:abc", rng_);
  EXPECT_EQ(sealed.size(), 1 + 24 + secret.size() + 16);
  auto opened = sealer_.open(sealed, "methods:abc");
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->equals(secret));
}

TEST_F(Aead, ValueCopiedToAnotherRowDoesNotOpen) {
  const auto sealed = sealer_.seal(SecretBytes::from_string("seed").span(), "methods:a", rng_);
  EXPECT_EQ(sealer_.open(sealed, "methods:b").status().code(), ErrorCode::data_loss);
}

TEST_F(Aead, TamperedOrTruncatedValueDoesNotOpen) {
  auto sealed = sealer_.seal(SecretBytes::from_string("seed").span(), "methods:a", rng_);
  auto tampered = sealed;
  tampered[30] ^= 1;
  EXPECT_EQ(sealer_.open(tampered, "methods:a").status().code(), ErrorCode::data_loss);
  sealed.resize(20);
  EXPECT_EQ(sealer_.open(sealed, "methods:a").status().code(), ErrorCode::data_loss);
}

TEST_F(Aead, OtherKeyDoesNotOpen) {
  const auto sealed = sealer_.seal(SecretBytes::from_string("seed").span(), "methods:a", rng_);
  auto other = SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 2)));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->open(sealed, "methods:a").status().code(), ErrorCode::data_loss);
}

TEST_F(Aead, KeyMustBe32Bytes) {
  EXPECT_EQ(SecretSealer::make(SecretBytes(16)).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace tessera

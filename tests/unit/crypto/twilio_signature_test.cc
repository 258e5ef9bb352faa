// X-Twilio-Signature against the vectors Twilio's own request validators are tested with.
#include "crypto/twilio_signature.h"

#include <gtest/gtest.h>

#include "crypto/sodium_init.h"

namespace tessera {
namespace {

constexpr const char* kToken = "12345";
constexpr const char* kUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

// Deliberately not in name order: the signature sorts them.
FormParameters documented() {
  return {{"Digits", "1234"},
          {"To", "+18005551212"},
          {"From", "+14158675309"},
          {"Caller", "+14158675309"},
          {"CallSid", "CA1234567890ABCDE"}};
}

class TwilioSignature : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(init_crypto_library()); }
};

TEST_F(TwilioSignature, MatchesTwilioDocumentedExample) {
  EXPECT_EQ(twilio_signature(kToken, kUrl, documented()), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
  EXPECT_TRUE(twilio_signature_valid(kToken, kUrl, documented(), "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

TEST_F(TwilioSignature, SignsTheUrlExactlyAsRequested) {
  EXPECT_EQ(twilio_signature(kToken, "https://MyCompany.com/myapp.php?foo=1&bar=2", documented()),
            "g9IN/x4Cft2g517EjYvEvM/W7LU=");
}

TEST_F(TwilioSignature, SortsRepeatedNamesByValueAndCountsEachPairOnce) {
  const FormParameters repeated{{"Sid", "CA123"},
                                {"SidAccount", "AC123"},
                                {"Digits", "5678"},
                                {"Digits", "1234"},
                                {"Digits", "1234"}};
  EXPECT_EQ(twilio_signature(kToken, kUrl, repeated), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
}

TEST_F(TwilioSignature, AnyChangeInvalidatesIt) {
  const std::string good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
  FormParameters tampered = documented();
  tampered[0].second = "0";
  EXPECT_FALSE(twilio_signature_valid(kToken, kUrl, tampered, good));
  EXPECT_FALSE(twilio_signature_valid(kToken, std::string(kUrl) + "&x=1", documented(), good));
  EXPECT_FALSE(twilio_signature_valid("54321", kUrl, documented(), good));
  EXPECT_FALSE(twilio_signature_valid(kToken, kUrl, documented(), ""));
  EXPECT_FALSE(twilio_signature_valid(kToken, kUrl, documented(), good.substr(0, 27)));
  FormParameters added = documented();
  added.emplace_back("Extra", "");
  EXPECT_FALSE(twilio_signature_valid(kToken, kUrl, added, good));
}

}  // namespace
}  // namespace tessera

// The call's TwiML and its answers, played through <Gather> as Twilio documents it: keys are
// gathered until the finishOnKey (not counted) or numDigits keys; with nothing gathered no request
// is made (actionOnEmptyResult is false by default) and the call moves on.
#include "notify/twilio/voice_twiml.h"

#include <optional>
#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace tessera {
namespace {

std::string attribute(const std::string& twiml, const std::string& name) {
  const std::regex pattern(" " + name + "=\"([^\"]*)\"");
  std::smatch match;
  if (!std::regex_search(twiml, match, pattern)) return "(absent)";
  return match[1];
}

// The Digits Twilio posts to the action URL for `keys` pressed under the document's <Gather>, or
// nullopt when it makes no request. Defaults as documented: finishOnKey "#", numDigits unlimited.
std::optional<std::string> gathered(const std::string& twiml, const std::string& keys) {
  std::string finish_on_key = attribute(twiml, "finishOnKey");
  if (finish_on_key == "(absent)") finish_on_key = "#";
  const std::string num_digits = attribute(twiml, "numDigits");
  const std::size_t limit = num_digits == "(absent)" ? std::string::npos : std::stoul(num_digits);
  std::string digits;
  for (const char key : keys) {
    if (!finish_on_key.empty() && key == finish_on_key[0]) break;
    digits.push_back(key);
    if (digits.size() == limit) break;
  }
  if (digits.empty() && attribute(twiml, "actionOnEmptyResult") != "true") return std::nullopt;
  return digits;
}

const std::string kTwiml = gather_answer_twiml("Contoso is calling to confirm your sign-in.",
                                               "https://id.example.com/voice?c=1&d=2");

TEST(VoiceTwiml, GathersOneKeyAndPostsItToTheActionUrl) {
  EXPECT_EQ(attribute(kTwiml, "finishOnKey"), "");
  EXPECT_EQ(attribute(kTwiml, "numDigits"), "1");
  EXPECT_EQ(attribute(kTwiml, "method"), "POST");
  EXPECT_EQ(attribute(kTwiml, "action"), "https://id.example.com/voice?c=1&amp;d=2");
  EXPECT_NE(kTwiml.find("<Say>Contoso is calling to confirm your sign-in.</Say>"),
            std::string::npos);
  EXPECT_NE(kTwiml.find("<Hangup/>"), std::string::npos);
}

TEST(VoiceTwiml, ALonePoundApprovesZeroPoundReportsFraudAndSilenceSendsNothing) {
  EXPECT_EQ(call_answer(*gathered(kTwiml, "#")), CallAnswer::approved);
  EXPECT_EQ(call_answer(*gathered(kTwiml, "0#")), CallAnswer::fraud_reported);
  EXPECT_EQ(call_answer(*gathered(kTwiml, "1#")), CallAnswer::denied);
  EXPECT_EQ(call_answer(*gathered(kTwiml, "*")), CallAnswer::denied);
  EXPECT_EQ(gathered(kTwiml, ""), std::nullopt) << "silence: no request, the call says goodbye";
}

TEST(VoiceTwiml, TwiliosDefaultsWouldLoseALonePound) {
  // Why the document does not keep Twilio's defaults: "#" would end the gather with nothing.
  const std::string defaults =
      "<Response><Gather action=\"/voice\"><Say>x</Say></Gather></Response>";
  EXPECT_EQ(gathered(defaults, "#"), std::nullopt);
  EXPECT_EQ(gathered(defaults, "0#"), "0");
}

TEST(VoiceTwiml, AnswersAreExactlyThese) {
  EXPECT_EQ(call_answer("#"), CallAnswer::approved);
  EXPECT_EQ(call_answer("0"), CallAnswer::fraud_reported);
  for (const char* other : {"", "##", "0#", "#0", "00", "1", "9", " #"}) {
    EXPECT_EQ(call_answer(other), CallAnswer::denied) << other;
  }
}

TEST(VoiceTwiml, EscapesWhatItSays) {
  const std::string twiml = say_and_hang_up_twiml("Tom & Jerry's <\"shop\">");
  EXPECT_NE(twiml.find("<Say>Tom &amp; Jerry&apos;s &lt;&quot;shop&quot;&gt;</Say><Hangup/>"),
            std::string::npos)
      << twiml;
}

}  // namespace
}  // namespace tessera

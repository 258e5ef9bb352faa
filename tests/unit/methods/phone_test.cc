#include "methods/phone/phone.h"

#include <gtest/gtest.h>

#include "base/rng.h"

namespace tessera {
namespace {

const Timestamp kNow = from_unix_seconds(1'795'000'020);
const ViewContext kWho{"alice@example.com", "Contoso"};

std::string code_in(const Outgoing& message) {
  const std::string_view text = message.text.view();
  const auto at = text.find("code ");
  return at == std::string_view::npos ? "" : std::string(text.substr(at + 5, 6));
}

class PhoneTest : public ::testing::Test {
 protected:
  MethodContext at(Timestamp now, std::optional<DeliveryOutcome> delivery = std::nullopt) {
    return MethodContext{rng_, now, kWho, delivery};
  }
  RegistrationAnswer number(const std::string& region, const std::string& typed,
                            const std::string& way) {
    return phone_.answer_registration(
        phone_.begin_registration(at(kNow)),
        FormValues{{"region", region}, {"number", typed}, {"way", way}}, at(kNow));
  }
  Method registered(const std::string& way) {
    Method method;
    method.id = "m1";
    method.kind = MethodKind::phone;
    method.detail = "+447400123456";
    method.secret = SecretBytes::from_string(way);
    return method;
  }

  DeterministicRng rng_{5};
  Phone phone_;
};

TEST_F(PhoneTest, ANumberByTextSendsACodeThatRegistersItOnce) {
  RegistrationAnswer moved = number("GB", "07400 123456", "text");
  ASSERT_EQ(moved.outcome, RegistrationAnswer::Outcome::next_stage);
  ASSERT_TRUE(moved.next.send);
  const Outgoing& text = *moved.next.send;
  EXPECT_EQ(text.channel, DeliveryChannel::text);
  EXPECT_EQ(text.to, "+447400123456");
  const std::string code = code_in(text);
  ASSERT_EQ(code.size(), 6u);
  // The text names the tenant, never the user or a link.
  EXPECT_NE(text.text.view().find("Contoso"), std::string_view::npos);
  EXPECT_EQ(text.text.view().find("alice"), std::string_view::npos);
  EXPECT_EQ(text.text.view().find("http"), std::string_view::npos);
  EXPECT_TRUE(phone_.checks_answer(moved.next));
  EXPECT_EQ(phone_.answer_registration(moved.next, {{"code", "000000"}}, at(kNow)).outcome,
            RegistrationAnswer::Outcome::wrong);
  RegistrationAnswer accepted =
      phone_.answer_registration(moved.next, {{"code", code}}, at(kNow + std::chrono::minutes(9)));
  ASSERT_EQ(accepted.outcome, RegistrationAnswer::Outcome::accepted);
  EXPECT_EQ(accepted.detail, "+447400123456");
  EXPECT_EQ(accepted.label, "+44 7400 123456");
  EXPECT_EQ(accepted.secret.view(), "text");
}

TEST_F(PhoneTest, ACodeExpiresAfterTenMinutes) {
  RegistrationAnswer moved = number("GB", "07400 123456", "text");
  const std::string code = code_in(*moved.next.send);
  EXPECT_EQ(
      phone_.answer_registration(moved.next, {{"code", code}}, at(kNow + std::chrono::minutes(10)))
          .outcome,
      RegistrationAnswer::Outcome::wrong);
}

TEST_F(PhoneTest, AnInvalidNumberStaysOnThePageWithASentence) {
  for (const auto& [region, typed] : std::vector<std::pair<std::string, std::string>>{
           {"GB", "123"}, {"", "07400 123456"}, {"GB", std::string(100, '7')}}) {
    RegistrationAnswer refused = number(region, typed, "text");
    EXPECT_EQ(refused.outcome, RegistrationAnswer::Outcome::invalid) << typed;
    EXPECT_FALSE(refused.problem.empty());
    EXPECT_FALSE(refused.next.send);
  }
}

TEST_F(PhoneTest, ACallRegistersOnlyWhenItWasAnsweredWithPound) {
  RegistrationAnswer moved = number("GB", "+44 7400 123456", "call");
  ASSERT_EQ(moved.outcome, RegistrationAnswer::Outcome::next_stage);
  ASSERT_TRUE(moved.next.send);
  EXPECT_EQ(moved.next.send->channel, DeliveryChannel::call);
  EXPECT_NE(moved.next.send->text.view().find("pound key"), std::string_view::npos);
  // Whoever answers a mistyped number is told to hang up, and cannot report fraud with 0#.
  EXPECT_NE(moved.next.send->text.view().find("hang up"), std::string_view::npos);
  EXPECT_EQ(moved.next.send->text.view().find("zero"), std::string_view::npos);
  EXPECT_FALSE(moved.next.send->reports_fraud);
  EXPECT_TRUE(phone_.waits_for_delivery(moved.next));
  // Nothing known, not yet answered, denied, fraud reported, failed: not registered.
  for (const auto& outcome : std::vector<std::optional<DeliveryOutcome>>{
           std::nullopt, DeliveryOutcome{DeliveryStatus::sent, CallAnswer::none},
           DeliveryOutcome{DeliveryStatus::sent, CallAnswer::denied},
           DeliveryOutcome{DeliveryStatus::sent, CallAnswer::fraud_reported},
           DeliveryOutcome{DeliveryStatus::failed, CallAnswer::none}}) {
    EXPECT_EQ(phone_.answer_registration(moved.next, {}, at(kNow, outcome)).outcome,
              RegistrationAnswer::Outcome::wrong);
  }
  // A form cannot claim the call was answered.
  EXPECT_EQ(
      phone_.answer_registration(moved.next, {{"code", "#"}, {"answer", "approved"}}, at(kNow))
          .outcome,
      RegistrationAnswer::Outcome::wrong);
  RegistrationAnswer accepted = phone_.answer_registration(
      moved.next, {}, at(kNow, DeliveryOutcome{DeliveryStatus::sent, CallAnswer::approved}));
  ASSERT_EQ(accepted.outcome, RegistrationAnswer::Outcome::accepted);
  EXPECT_EQ(accepted.secret.view(), "call");
}

TEST_F(PhoneTest, SignInTextsOrCallsAsTheOwnerChose) {
  const Method texted = registered("text");
  const MethodStage text = phone_.begin_challenge(texted, at(kNow));
  ASSERT_TRUE(text.send);
  EXPECT_EQ(text.send->channel, DeliveryChannel::text);
  const MethodView view = phone_.challenge_view(text, kWho);
  ASSERT_FALSE(view.values.empty());
  EXPECT_EQ(view.values[0].second,
            "We texted your phone +XX XXXXXXXX56. Please enter the code to sign in.");
  EXPECT_EQ(phone_.challenge_view(text, ViewContext{"alice@contoso.com", "Contoso", true})
                .values.at(0)
                .second,
            "We texted your phone +XX XXXXXXXX56. Please enter the code to reset your password.");
  EXPECT_EQ(
      phone_.answer_challenge(text, texted, {{"code", code_in(*text.send)}}, at(kNow)).outcome,
      event::CodeOutcome::accepted);

  const Method called = registered("call");
  const MethodStage call = phone_.begin_challenge(called, at(kNow));
  ASSERT_TRUE(call.send);
  EXPECT_EQ(call.send->channel, DeliveryChannel::call);
  EXPECT_TRUE(call.send->reports_fraud);  // a sign-in's call: 0# reports it
  EXPECT_EQ(phone_.answer_challenge(call, called, {}, at(kNow)).outcome, event::CodeOutcome::wrong);
  EXPECT_EQ(
      phone_
          .answer_challenge(call, called, {},
                            at(kNow, DeliveryOutcome{DeliveryStatus::sent, CallAnswer::approved}))
          .outcome,
      event::CodeOutcome::accepted);
}

TEST_F(PhoneTest, AChallengeForANumberSinceChangedProvesNothing) {
  Method method = registered("text");
  const MethodStage text = phone_.begin_challenge(method, at(kNow));
  method.detail = "+447400999999";
  EXPECT_EQ(
      phone_.answer_challenge(text, method, {{"code", code_in(*text.send)}}, at(kNow)).outcome,
      event::CodeOutcome::wrong);
}

TEST_F(PhoneTest, ThePolicyAllowsTextsAndCallsEachOnItsOwn) {
  OrgPolicy calls_only;
  calls_only.allowed_methods.text_message = false;
  MethodContext context = at(kNow);
  context.policy = &calls_only;
  // Registration offers only the call, and a posted "text" still calls.
  const MethodStage start = phone_.begin_registration(context);
  const MethodView view = phone_.registration_view(start, kWho);
  auto has = [&view](const char* name) {
    for (const auto& [key, value] : view.values)
      if (key == name) return true;
    return false;
  };
  EXPECT_FALSE(has("offer_text"));
  EXPECT_TRUE(has("offer_call"));
  RegistrationAnswer moved = phone_.answer_registration(
      start, FormValues{{"region", "GB"}, {"number", "07400 123456"}, {"way", "text"}}, context);
  ASSERT_EQ(moved.outcome, RegistrationAnswer::Outcome::next_stage);
  ASSERT_TRUE(moved.next.send);
  EXPECT_EQ(moved.next.send->channel, DeliveryChannel::call);
  // A phone registered for texts is called while texts are not allowed, and offers only that.
  const MethodStage challenge = phone_.begin_challenge(registered("text"), context);
  ASSERT_TRUE(challenge.send);
  EXPECT_EQ(challenge.send->channel, DeliveryChannel::call);
  const auto options = phone_.challenge_options(registered("text"), calls_only.allowed_methods);
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].way, "call");
  // And the other way round.
  OrgPolicy texts_only;
  texts_only.allowed_methods.phone_call = false;
  context.policy = &texts_only;
  const MethodStage texted = phone_.begin_challenge(registered("call"), context);
  ASSERT_TRUE(texted.send);
  EXPECT_EQ(texted.send->channel, DeliveryChannel::text);
  EXPECT_FALSE(phone_.allowed_by(AllowedMethods{true, true, false, false, true}));
}

TEST_F(PhoneTest, TheAlternatePhoneOnlyCalls) {
  const Phone alternate(PhoneLine::alternate);
  EXPECT_EQ(alternate.kind(), MethodKind::alternate_phone);
  EXPECT_FALSE(alternate.allowed_by(AllowedMethods{true, true, true, false, true}));
  EXPECT_TRUE(alternate.allowed_by(AllowedMethods{false, false, false, true, false}));
  const MethodContext context = at(kNow);
  const MethodStage start = alternate.begin_registration(context);
  RegistrationAnswer moved = alternate.answer_registration(
      start, FormValues{{"region", "GB"}, {"number", "07400 123457"}, {"way", "text"}}, context);
  ASSERT_EQ(moved.outcome, RegistrationAnswer::Outcome::next_stage);
  ASSERT_TRUE(moved.next.send);
  EXPECT_EQ(moved.next.send->channel, DeliveryChannel::call);
  const DeliveryOutcome approved{DeliveryStatus::sent, CallAnswer::approved};
  RegistrationAnswer accepted = alternate.answer_registration(moved.next, {}, at(kNow, approved));
  ASSERT_EQ(accepted.outcome, RegistrationAnswer::Outcome::accepted);
  Method method = registered("call");
  method.kind = MethodKind::alternate_phone;
  method.detail = "+447400123457";
  EXPECT_EQ(alternate.default_label_of(method), "Alternate phone – call +44 7400 123457");
  const auto options = alternate.challenge_options(method, AllowedMethods{});
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].way, "call");
  const MethodStage challenge = alternate.begin_challenge(method, context);
  ASSERT_TRUE(challenge.send);
  EXPECT_EQ(challenge.send->channel, DeliveryChannel::call);
  // A notice goes by text to a texting phone only.
  EXPECT_FALSE(alternate.notice(method, "A sign-in method was added.", kWho));
  const auto notice = phone_.notice(registered("text"), "A sign-in method was added.", kWho);
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->channel, DeliveryChannel::text);
  EXPECT_EQ(notice->text.view(), "Contoso: A sign-in method was added.");
  EXPECT_FALSE(phone_.notice(registered("call"), "A sign-in method was added.", kWho));
}

}  // namespace
}  // namespace tessera

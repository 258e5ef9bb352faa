// Signing in and registering with a phone through the real delivery path: the sign-in service
// queues the text or call with the flow's step, the dispatcher hands it to a recording gateway,
// and the answer (a code from the text, a key pressed on the call) moves the flow on.
#include <mutex>

#include "service/delivery_dispatcher.h"
#include "unit/service/sign_in_fixture.h"

namespace tessera {
namespace {

// A gateway that records what it was given, and fails while told to.
class RecordingGateway final : public TextSender, public VoiceCaller {
 public:
  Result<SendReceipt> send_text(const TextMessage& message) override {
    std::lock_guard lock(mutex);
    if (failing) return unavailable("gateway answered 500");
    texts.push_back(std::string(message.body.view()));
    return SendReceipt{"SM" + std::to_string(texts.size())};
  }
  Result<SendReceipt> place_call(const VoiceCall& call) override {
    std::lock_guard lock(mutex);
    if (failing) return unavailable("gateway answered 500");
    calls.push_back(call);
    return SendReceipt{"CA" + std::to_string(calls.size())};
  }
  std::string last_code() {
    std::lock_guard lock(mutex);
    if (texts.empty()) return "";
    const std::string& text = texts.back();
    const auto at = text.find("code ");
    return at == std::string::npos ? "" : text.substr(at + 5, 6);
  }

  std::mutex mutex;
  bool failing = false;
  std::vector<std::string> texts;
  std::vector<VoiceCall> calls;
};

class PhoneSignInTest : public SignInServiceTest {
 protected:
  void SetUp() override {
    SignInServiceTest::SetUp();
    if (HasFatalFailure()) return;
    sign_in_.emplace(*store_, methods_, hashing_, *sessions_, clock_, rng_, name_key_,
                     SignInSettings{1000, "Contoso", &queue_});
    DispatchSettings settings;
    settings.tries = 2;
    settings.retry_backoff = std::chrono::milliseconds(0);
    settings.public_url = "https://id.example.com";
    dispatcher_.emplace(*store_, clock_, Gateways{&gateway_, &gateway_, nullptr}, settings);
  }

  // From "More information required" to the phone's number page, then the number.
  SignInPage register_number(SignInPage page, const std::string& way) {
    page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
    page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "phone");
    EXPECT_EQ(step_name(page.flow.step), "phone_number");
    return *sign_in_->submit_method_answer(
        page.flow_id, "phone_number",
        FormValues{{"region", "GB"}, {"number", "07400 123456"}, {"way", way}}, kClient);
  }

  bool done(const SignInPage& page) {
    return std::holds_alternative<step::StaySignedIn>(page.flow.step) ||
           std::holds_alternative<step::SignedIn>(page.flow.step);
  }

  DeliveryQueue queue_{10};
  RecordingGateway gateway_;
  std::optional<DeliveryDispatcher> dispatcher_;
};

TEST_F(PhoneSignInTest, RegisterByTextThenSignInByText) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = register_number(through_password("alice@example.com"), "text");
  ASSERT_EQ(step_name(page.flow.step), "verify_phone_text");
  // Queued with the step; the page waits for it to be sent.
  ASSERT_TRUE(page.delivery);
  EXPECT_EQ(page.delivery->status, DeliveryStatus::queued);
  EXPECT_TRUE(page.waiting_for_delivery);
  EXPECT_TRUE(gateway_.texts.empty());
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texts.size(), 1u);
  EXPECT_NE(gateway_.texts[0].find("Contoso"), std::string::npos);
  page = *sign_in_->current(page.flow_id);
  ASSERT_TRUE(page.delivery);
  EXPECT_EQ(page.delivery->status, DeliveryStatus::sent);
  EXPECT_FALSE(page.waiting_for_delivery);
  page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", "000000", kClient);
  EXPECT_EQ(page.message, StepMessage::wrong_code);
  page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", gateway_.last_code(), kClient);
  ASSERT_TRUE(done(page)) << step_name(page.flow.step);
  auto methods = *store_->list_methods(store_->find_user_by_upn("alice@example.com")->id);
  ASSERT_EQ(methods.size(), 1u);
  EXPECT_EQ(methods[0].detail, "+447400123456");

  // Next sign-in: a text with a new code.
  page = through_password("alice@example.com");
  ASSERT_EQ(step_name(page.flow.step), "phone_code");
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texts.size(), 2u);
  page = *sign_in_->submit_code(page.flow_id, "phone_code", gateway_.last_code(), kClient);
  EXPECT_TRUE(done(page));
}

TEST_F(PhoneSignInTest, RegisterByCallMovesOnOnceThePhoneAnsweredPound) {
  add_user("bob@example.com", MfaState::enabled);
  SignInPage page = register_number(through_password("bob@example.com"), "call");
  ASSERT_EQ(step_name(page.flow.step), "verify_phone_call");
  dispatcher_->drain();
  ASSERT_EQ(gateway_.calls.size(), 1u);
  const VoiceCall call = gateway_.calls[0];
  EXPECT_EQ(call.to, "+447400123456");
  EXPECT_EQ(call.twiml_url, "https://id.example.com/voice/call/" + call.delivery_id);
  // Not answered yet: the page keeps waiting, and a form cannot answer for the phone.
  page = *sign_in_->current(page.flow_id);
  EXPECT_TRUE(page.waiting_for_delivery);
  page = *sign_in_->submit_method_answer(page.flow_id, "verify_phone_call",
                                         FormValues{{"answer", "approved"}}, kClient);
  EXPECT_EQ(step_name(page.flow.step), "verify_phone_call");
  ASSERT_TRUE(*store_->answer_call(call.delivery_id, CallAnswer::approved, clock_.now()));
  EXPECT_FALSE(*store_->answer_call(call.delivery_id, CallAnswer::denied, clock_.now()));
  page = *sign_in_->current(page.flow_id);
  EXPECT_TRUE(done(page)) << step_name(page.flow.step);
}

TEST_F(PhoneSignInTest, ADeniedCallSaysSoAndStopsWaiting) {
  add_user("carol@example.com", MfaState::enabled);
  SignInPage page = register_number(through_password("carol@example.com"), "call");
  dispatcher_->drain();
  ASSERT_EQ(gateway_.calls.size(), 1u);
  ASSERT_TRUE(
      *store_->answer_call(gateway_.calls[0].delivery_id, CallAnswer::denied, clock_.now()));
  page = *sign_in_->current(page.flow_id);
  EXPECT_EQ(step_name(page.flow.step), "verify_phone_call");
  EXPECT_EQ(page.message, StepMessage::call_not_approved);
  EXPECT_FALSE(page.waiting_for_delivery);
  // Looking again does not count another attempt or move anything.
  page = *sign_in_->current(page.flow_id);
  EXPECT_EQ(page.message, StepMessage::none);
}

TEST_F(PhoneSignInTest, AFailingGatewayIsRetriedThenTheUserIsTold) {
  add_user("dave@example.com", MfaState::enabled);
  gateway_.failing = true;
  SignInPage page = register_number(through_password("dave@example.com"), "text");
  dispatcher_->drain();
  page = *sign_in_->current(page.flow_id);
  ASSERT_TRUE(page.delivery);
  EXPECT_EQ(page.delivery->status, DeliveryStatus::failed);
  EXPECT_FALSE(page.waiting_for_delivery);
  const Delivery failed = *store_->find_delivery(*delivery_of(page.flow.step));
  EXPECT_TRUE(failed.content.empty());  // the code is not kept once given up on
  EXPECT_NE(failed.last_error.find("500"), std::string::npos);
}

TEST_F(PhoneSignInTest, AtMostThreeSendsPerTenMinutesPerUser) {
  add_user("erin@example.com", MfaState::enabled);
  SignInPage page = register_number(through_password("erin@example.com"), "text");
  dispatcher_->drain();
  page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", gateway_.last_code(), kClient);
  ASSERT_TRUE(done(page));
  for (int sign_in = 2; sign_in <= 3; ++sign_in) {
    page = through_password("erin@example.com");
    EXPECT_FALSE(page.send_refused) << sign_in;
  }
  page = through_password("erin@example.com");
  ASSERT_EQ(step_name(page.flow.step), "phone_code");
  ASSERT_TRUE(page.send_refused);
  EXPECT_EQ(*page.send_refused, SendRefusal::too_many_sends);
  EXPECT_FALSE(page.delivery);
  dispatcher_->drain();
  EXPECT_EQ(gateway_.texts.size(), 3u);
  // Ten minutes later the window is over.
  clock_.advance(kSendWindow);
  page = through_password("erin@example.com");
  EXPECT_FALSE(page.send_refused);
}

TEST_F(PhoneSignInTest, SignInAnotherWayCallsInsteadOfTexting) {
  add_user("frank@example.com", MfaState::enabled);
  SignInPage page = register_number(through_password("frank@example.com"), "text");
  dispatcher_->drain();
  page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", gateway_.last_code(), kClient);
  ASSERT_TRUE(done(page));

  page = through_password("frank@example.com");
  ASSERT_EQ(step_name(page.flow.step), "phone_code");
  const std::vector<OtherWay> ways = *sign_in_->other_ways(page);
  ASSERT_EQ(ways.size(), 2u);
  EXPECT_EQ(ways[0].text, "Text +XX XXXXXXXX56");
  EXPECT_EQ(ways[1].text, "Call +XX XXXXXXXX56");
  // Another user's method, or a way the method has not, ends the flow.
  const std::string method_id = ways[1].method_id;
  SignInPage forged = *sign_in_->submit_other_way(page.flow_id, "phone_code", method_id, "fax");
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(forged.flow.step));

  clock_.advance(kSendWindow);  // three texts so far: the send limit's window starts afresh
  page = through_password("frank@example.com");
  page = *sign_in_->submit_other_way(page.flow_id, "phone_code", method_id, "call");
  ASSERT_EQ(step_name(page.flow.step), "phone_call");
  dispatcher_->drain();
  ASSERT_EQ(gateway_.calls.size(), 1u);
  ASSERT_TRUE(
      *store_->answer_call(gateway_.calls[0].delivery_id, CallAnswer::approved, clock_.now()));
  page = *sign_in_->current(page.flow_id);
  EXPECT_TRUE(done(page)) << step_name(page.flow.step);
}

TEST_F(PhoneSignInTest, NumbersOutsideThePolicysCountriesGetNoText) {
  add_user("grace@example.com", MfaState::enabled);
  ASSERT_TRUE(policy_->set("phone_country_codes", "1,49", Actor::cli()).ok());
  SignInPage page = register_number(through_password("grace@example.com"), "text");
  ASSERT_EQ(step_name(page.flow.step), "verify_phone_text");
  ASSERT_TRUE(page.send_refused);
  EXPECT_EQ(*page.send_refused, SendRefusal::country_not_allowed);
  dispatcher_->drain();
  EXPECT_TRUE(gateway_.texts.empty());
  ASSERT_TRUE(policy_->set("phone_country_codes", "all", Actor::cli()).ok());
  EXPECT_EQ(store_->load_policy()->phone_country_codes.size(), 0u);
}

TEST_F(PhoneSignInTest, SecurityInfoAddsAPhoneByCallOnceItIsAnsweredWithPound) {
  add_user("heidi@example.com", MfaState::disabled);
  const User user = *store_->find_user_by_upn("heidi@example.com");
  security_info_.emplace(*store_, methods_, clock_, rng_, &queue_, "Contoso");
  const auto issued = sessions_->issue(user.id, false, std::nullopt);
  const SessionRecord session = *sessions_->find(std::string(issued->token.view()));
  auto added = security_info_->begin_add(session, "phone");
  ASSERT_TRUE(added.ok()) << added.status().message();
  auto refused = security_info_->add_step_on(session, added->flow_id,
                                             FormValues{{"region", "GB"}, {"number", "12"}});
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->problem.empty());
  auto calling = security_info_->add_step_on(
      session, added->flow_id,
      FormValues{{"region", "GB"}, {"number", "07400 123456"}, {"way", "call"}});
  ASSERT_TRUE(calling.ok());
  ASSERT_EQ(step_name(calling->flow.step), "verify_phone_call");
  EXPECT_EQ(security_info_->confirm_add(session, added->flow_id, "")->outcome,
            CodeCheck::Outcome::waiting);
  dispatcher_->drain();
  ASSERT_EQ(gateway_.calls.size(), 1u);
  EXPECT_EQ(security_info_->confirm_add(session, added->flow_id, "")->outcome,
            CodeCheck::Outcome::waiting);
  ASSERT_TRUE(
      *store_->answer_call(gateway_.calls[0].delivery_id, CallAnswer::approved, clock_.now()));
  EXPECT_EQ(security_info_->confirm_add(session, added->flow_id, "")->outcome,
            CodeCheck::Outcome::accepted);
  const auto methods = *store_->list_methods(user.id);
  ASSERT_EQ(methods.size(), 1u);
  EXPECT_EQ(methods[0].detail, "+447400123456");
}

}  // namespace
}  // namespace tessera

// Signing in and registering with a phone through the real delivery path: the sign-in service
// queues the text or call with the flow's step, the dispatcher hands it to a recording gateway,
// and the answer (a code from the text, a key pressed on the call) moves the flow on.
#include "unit/service/phone_fixture.h"

namespace tessera {
namespace {

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

TEST_F(PhoneSignInTest, ARefusedOtherWayKeepsTheChallengeWhoseTextWentOut) {
  add_user("olga@example.com", MfaState::enabled);
  SignInPage page = register_number(through_password("olga@example.com"), "text");
  dispatcher_->drain();
  page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", gateway_.last_code(), kClient);
  ASSERT_TRUE(done(page));
  page = through_password("olga@example.com");
  page = through_password("olga@example.com");  // the third text of the window
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texts.size(), 3u);
  const std::string sent = gateway_.last_code();
  const std::string method_id = sign_in_->other_ways(page)->at(1).method_id;
  // A call instead would be the fourth send: refused, and the texted code still signs in.
  page = *sign_in_->submit_other_way(page.flow_id, "phone_code", method_id, "call");
  ASSERT_TRUE(page.send_refused);
  EXPECT_EQ(*page.send_refused, SendRefusal::too_many_sends);
  ASSERT_EQ(step_name(page.flow.step), "phone_code");
  dispatcher_->drain();
  EXPECT_TRUE(gateway_.calls.empty());
  page = *sign_in_->submit_code(page.flow_id, "phone_code", sent, kClient);
  EXPECT_TRUE(done(page)) << step_name(page.flow.step);
}

TEST_F(PhoneSignInTest, ThePolicyAllowsTextsAndCallsEachOnItsOwn) {
  add_user("peggy@example.com", MfaState::enabled);
  SignInPage page = register_number(through_password("peggy@example.com"), "text");
  dispatcher_->drain();
  page = *sign_in_->submit_code(page.flow_id, "verify_phone_text", gateway_.last_code(), kClient);
  ASSERT_TRUE(done(page));
  ASSERT_TRUE(policy_->set("allowed_methods", "app_code,phone_call", Actor::cli()).ok());
  // A phone registered for texts is called, and only the call is another way.
  page = through_password("peggy@example.com");
  ASSERT_EQ(step_name(page.flow.step), "phone_call");
  const std::vector<OtherWay> ways = *sign_in_->other_ways(page);
  ASSERT_EQ(ways.size(), 1u);
  EXPECT_EQ(ways[0].way, "call");
  EXPECT_TRUE(std::holds_alternative<step::EnterUsername>(
      sign_in_->submit_other_way(page.flow_id, "phone_call", ways[0].method_id, "text")
          ->flow.step));
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

// A user's phone, registered for `way`, as Security info would have added it.
Method phone_of(const User& user, const std::string& id, const std::string& e164,
                const std::string& way, bool is_default) {
  Method method;
  method.id = id;
  method.user_id = user.id;
  method.kind = MethodKind::phone;
  method.label = e164;
  method.detail = e164;
  method.secret = SecretBytes::from_string(way);
  method.is_default = is_default;
  return method;
}

class SecurityInfoChangesTest : public PhoneSignInTest {
 protected:
  void SetUp() override {
    PhoneSignInTest::SetUp();
    if (HasFatalFailure()) return;
    security_info_.emplace(*store_, methods_, clock_, rng_, &queue_, "Contoso");
    add_user("ivan@example.com", MfaState::enforced);
    user_ = *store_->find_user_by_upn("ivan@example.com");
    ASSERT_TRUE(
        store_->add_method(phone_of(user_, "m-phone", "+447400123456", "text", true), nullptr)
            .ok());
  }
  // A session whose MFA was `ago`.
  SessionRecord session(std::chrono::seconds ago) {
    const auto issued = sessions_->issue(user_.id, false, clock_.now() - ago);
    return *sessions_->find(std::string(issued->token.view()));
  }

  User user_;
};

TEST_F(SecurityInfoChangesTest, AStaleProofIsRenewedByATextedCode) {
  const SessionRecord stale = session(std::chrono::minutes(11));
  EXPECT_EQ(security_info_->begin_add(stale, "authenticator_app").status().code(),
            ErrorCode::permission_denied);
  // A typed code proves nothing for a phone: its code is only ever in a text.
  EXPECT_EQ(security_info_->prove_with_code(stale, "123456")->outcome, CodeCheck::Outcome::wrong);
  const auto ways = *security_info_->step_up_ways(stale);
  ASSERT_EQ(ways.size(), 2u);
  EXPECT_EQ(ways[0].text, "Text +XX XXXXXXXX56");
  EXPECT_TRUE(ways[0].sends);
  EXPECT_EQ(security_info_->begin_step_up(stale, "m-phone", "fax").status().code(),
            ErrorCode::invalid_argument);
  auto flow = security_info_->begin_step_up(stale, "m-phone", "text");
  ASSERT_TRUE(flow.ok()) << flow.status().message();
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texts.size(), 1u);
  const std::string code = gateway_.last_code();
  EXPECT_EQ(security_info_->answer_step_up(stale, flow->flow_id, "000000")->outcome,
            CodeCheck::Outcome::wrong);
  // Someone else's session holds nothing of it.
  add_user("judy@example.com", MfaState::disabled);
  const auto judy =
      sessions_->issue(store_->find_user_by_upn("judy@example.com")->id, false, clock_.now());
  EXPECT_EQ(
      security_info_
          ->answer_step_up(*sessions_->find(std::string(judy->token.view())), flow->flow_id, code)
          .status()
          .code(),
      ErrorCode::not_found);
  EXPECT_EQ(security_info_->answer_step_up(stale, flow->flow_id, code)->outcome,
            CodeCheck::Outcome::accepted);
  // Once: the flow is gone, and the session may now change its security info.
  EXPECT_EQ(security_info_->answer_step_up(stale, flow->flow_id, code).status().code(),
            ErrorCode::not_found);
  const SessionRecord renewed = *store_->find_session(stale.token_hash);
  EXPECT_TRUE(security_info_->check_fresh_proof(renewed).ok());
}

TEST_F(SecurityInfoChangesTest, AChangedPhoneReplacesTheOldOneOnlyOnceVerified) {
  const SessionRecord fresh = session(std::chrono::minutes(1));
  auto change = security_info_->begin_change(fresh, "m-phone");
  ASSERT_TRUE(change.ok()) << change.status().message();
  auto texting = security_info_->add_step_on(
      fresh, change->flow_id,
      FormValues{{"region", "GB"}, {"number", "07400 654321"}, {"way", "text"}});
  ASSERT_TRUE(texting.ok());
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texted_to, (std::vector<std::string>{"+447400654321"}));
  const std::string code = gateway_.last_code();
  // Until the new number is proved, the old one is the user's phone.
  EXPECT_EQ(security_info_->confirm_add(fresh, change->flow_id, "000000")->outcome,
            CodeCheck::Outcome::wrong);
  auto methods = *store_->list_methods(user_.id);
  ASSERT_EQ(methods.size(), 1u);
  EXPECT_EQ(methods[0].detail, "+447400123456");
  EXPECT_EQ(security_info_->confirm_add(fresh, change->flow_id, code)->outcome,
            CodeCheck::Outcome::accepted);
  methods = *store_->list_methods(user_.id);
  ASSERT_EQ(methods.size(), 1u);
  EXPECT_EQ(methods[0].detail, "+447400654321");
  EXPECT_TRUE(methods[0].is_default);
  // The old number hears of it, the new one does not.
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texted_to.size(), 2u);
  EXPECT_EQ(gateway_.texted_to[1], "+447400123456");
  EXPECT_EQ(gateway_.texts[1],
            "Contoso: A sign-in method on your account was changed: Phone. If this wasn't you, "
            "contact your IT department now.");
  // A change of a method deleted meanwhile adds nothing.
  auto again = security_info_->begin_change(fresh, methods[0].id);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(security_info_
                  ->add_step_on(fresh, again->flow_id,
                                FormValues{{"region", "GB"}, {"number", "07400 111222"}})
                  .ok());
  dispatcher_->drain();
  const std::string third = gateway_.last_code();
  ASSERT_TRUE(store_->delete_method(methods[0].id, nullptr).ok());
  EXPECT_EQ(security_info_->confirm_add(fresh, again->flow_id, third).status().code(),
            ErrorCode::not_found);
  EXPECT_TRUE(store_->list_methods(user_.id)->empty());
}

TEST_F(SecurityInfoChangesTest, TheDefaultIsChosenAmongTheMethodsThatSignInAndTheOthersHearOfIt) {
  ASSERT_TRUE(
      store_->add_method(phone_of(user_, "m-call", "+447400999888", "call", false), nullptr).ok());
  Method email;
  email.id = "m-email";
  email.user_id = user_.id;
  email.kind = MethodKind::email;
  email.label = email.detail = "ivan@example.net";
  ASSERT_TRUE(store_->add_method(email, nullptr).ok());
  const SessionRecord fresh = session(std::chrono::minutes(1));
  // Email does not sign in by default: it cannot be the default either.
  const auto choices = *security_info_->default_choices(fresh);
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(security_info_->set_default(fresh, "m-email").code(), ErrorCode::invalid_argument);
  EXPECT_EQ(security_info_->set_default(fresh, "no-such").code(), ErrorCode::not_found);
  EXPECT_EQ(security_info_->set_default(session(std::chrono::minutes(11)), "m-call").code(),
            ErrorCode::permission_denied);
  ASSERT_TRUE(security_info_->set_default(fresh, "m-call").ok());
  const std::vector<Method> methods = *store_->list_methods(user_.id);
  for (const Method& method : methods)
    EXPECT_EQ(method.is_default, method.id == "m-call") << method.id;
  // The texting phone gets a text, the email an email, the calling phone nothing.
  dispatcher_->drain();
  ASSERT_EQ(gateway_.texted_to, (std::vector<std::string>{"+447400123456"}));
  EXPECT_EQ(gateway_.texts[0],
            "Contoso: Your default sign-in method was changed: Phone. If this wasn't you, contact "
            "your IT department now.");
  EXPECT_TRUE(gateway_.calls.empty());
  EXPECT_EQ(gateway_.emails,
            (std::vector<std::string>{"ivan@example.net: Contoso: your security info changed"}));
}

}  // namespace
}  // namespace tessera

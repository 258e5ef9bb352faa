// The contract every sign-in method the server offers must keep (the registry of the composition
// root, so a method added there is held to it at once): register → challenge → a wrong answer →
// a replayed answer, with the same assertions for each. What differs between methods is only how
// a person gets the right answer, which each method's driver below plays.
#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "app/runtime.h"
#include "crypto/otp.h"

namespace tessera {
namespace {

const Timestamp kNow = from_unix_seconds(1'795'000'020);

// The code in a message a stage sent (a text's "… code 123456 …"): its first run of 6 digits.
std::string code_in(const MethodStage& at) {
  if (!at.send) return "";
  std::string digits;
  for (const char c : at.send->text.view()) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (digits.size() == 6) {
      return digits;  // the first run of six digits
    } else {
      digits.clear();
    }
  }
  return digits.size() == 6 ? digits : "";
}

// What a person does to answer a method's checking stage rightly: read their app, their texts...
struct Driver {
  // The right answer at a registration stage that checks answers, from the method's state.
  std::function<FormValues(const MethodStage&, Timestamp)> registration_answer;
  // The right answer to a challenge of `method`.
  std::function<FormValues(const MethodStage&, const Method&, Timestamp)> challenge_answer;
  // What they fill in at a stage that checks nothing (empty by default).
  std::function<FormValues(const MethodStage&)> step_form = [](const MethodStage&) {
    return FormValues{};
  };
  // What became of the stage's message when they answered rightly (a call: # was pressed).
  std::optional<DeliveryOutcome> delivered = std::nullopt;
};

const DeliveryOutcome kCallApproved{DeliveryStatus::sent, CallAnswer::approved};

const std::map<MethodKind, Driver>& drivers() {
  static const std::map<MethodKind, Driver> all = {
      {MethodKind::authenticator_app,
       Driver{[](const MethodStage& at, Timestamp now) {
                return FormValues{{"code", totp(at.state.span(), now, TotpParameters{})}};
              },
              [](const MethodStage&, const Method& method, Timestamp now) {
                return FormValues{{"code", totp(method.secret.span(), now, TotpParameters{})}};
              }}},
      {MethodKind::phone,
       Driver{[](const MethodStage& at, Timestamp) {
                return FormValues{{"code", code_in(at)}};
              },
              [](const MethodStage& at, const Method&, Timestamp) {
                return FormValues{{"code", code_in(at)}};
              },
              [](const MethodStage&) {
                return FormValues{{"region", "GB"}, {"number", "07400 123456"}, {"way", "text"}};
              }}},
      {MethodKind::email, Driver{[](const MethodStage& at, Timestamp) {
                                   return FormValues{{"code", code_in(at)}};
                                 },
                                 [](const MethodStage& at, const Method&, Timestamp) {
                                   return FormValues{{"code", code_in(at)}};
                                 },
                                 [](const MethodStage&) {
                                   return FormValues{{"email", "alice@example.net"}};
                                 }}},
      {MethodKind::alternate_phone,
       Driver{[](const MethodStage&, Timestamp) { return FormValues{}; },
              [](const MethodStage&, const Method&, Timestamp) { return FormValues{}; },
              [](const MethodStage&) {
                return FormValues{{"region", "GB"}, {"number", "07400 123457"}};
              },
              kCallApproved}},
  };
  return all;
}

// A form that is no right answer for any method.
const FormValues kWrong{{"code", "not-a-code"}};

void expect_view_has_a_template(const SignInMethod& method, const MethodView& view) {
  EXPECT_FALSE(view.template_name.empty());
  EXPECT_FALSE(view.title.empty());
  // Either the method's own template or one of the pages' shared ones (checked at start).
  if (!method.template_text(view.template_name).empty()) return;
  EXPECT_EQ(view.template_name, "enter_code") << "a view names a template nobody has";
}

class MethodContract : public ::testing::TestWithParam<const SignInMethod*> {};

TEST_P(MethodContract, NamesAreStableAndComplete) {
  const SignInMethod& method = *GetParam();
  EXPECT_EQ(parse_method_kind(method.kind_name()), method.kind());
  EXPECT_FALSE(method.display_name().empty());
  EXPECT_FALSE(method.default_label().empty());
  EXPECT_FALSE(method.amr(MethodStage{}).empty());
  EXPECT_FALSE(method.other_way_text().empty());
  EXPECT_FALSE(method.step_up_text().empty());
  for (const std::string_view name : method.template_names())
    EXPECT_FALSE(method.template_text(name).empty()) << name;
  EXPECT_TRUE(drivers().contains(method.kind()))
      << method.kind_name() << " has no driver in this contract test";
}

TEST_P(MethodContract, RegisterThenChallengeThenRefuseWrongAndReplayedAnswers) {
  const SignInMethod& method = *GetParam();
  ASSERT_TRUE(drivers().contains(method.kind()));
  const Driver& driver = drivers().at(method.kind());
  DeterministicRng rng(3);
  const ViewContext who{"alice@example.com", "Contoso"};
  const MethodContext now{rng, kNow, who, std::nullopt};

  // Registration: steps on through the stages that check nothing, to the one that does.
  MethodStage at = method.begin_registration(now);
  for (int steps = 0; !method.checks_answer(at); ++steps) {
    ASSERT_LT(steps, 8) << "a registration that never asks for an answer";
    expect_view_has_a_template(method, method.registration_view(at, who));
    RegistrationAnswer moved = method.answer_registration(at, driver.step_form(at), now);
    ASSERT_EQ(moved.outcome, RegistrationAnswer::Outcome::next_stage);
    at = std::move(moved.next);
  }
  expect_view_has_a_template(method, method.registration_view(at, who));
  EXPECT_EQ(method.answer_registration(at, kWrong, now).outcome,
            RegistrationAnswer::Outcome::wrong);
  EXPECT_EQ(method.answer_registration(at, FormValues{}, now).outcome,
            RegistrationAnswer::Outcome::wrong);
  const MethodContext answered{rng, kNow, who, driver.delivered};
  RegistrationAnswer accepted =
      method.answer_registration(at, driver.registration_answer(at, kNow), answered);
  ASSERT_EQ(accepted.outcome, RegistrationAnswer::Outcome::accepted);
  EXPECT_FALSE(accepted.label.empty());
  Method registered =
      registered_method("m1", "u1", method, std::move(accepted), std::vector<Method>{}, kNow);
  EXPECT_EQ(registered.kind, method.kind());
  EXPECT_TRUE(registered.is_default);

  // Challenge, later: a wrong answer is wrong, the right one is accepted once.
  const Timestamp later = kNow + std::chrono::minutes(5);
  const MethodContext then{rng, later, who, std::nullopt};
  const MethodStage challenge = method.begin_challenge(registered, then);
  ASSERT_TRUE(method.checks_answer(challenge));
  expect_view_has_a_template(method, method.challenge_view(challenge, who));
  EXPECT_EQ(method.answer_challenge(challenge, registered, kWrong, then).outcome,
            event::CodeOutcome::wrong);
  const FormValues right = driver.challenge_answer(challenge, registered, later);
  const MethodContext answered_then{rng, later, who, driver.delivered};
  const ChallengeAnswer first =
      method.answer_challenge(challenge, registered, right, answered_then);
  ASSERT_EQ(first.outcome, event::CodeOutcome::accepted);
  // The replay guard, as the store keeps it once the first answer committed.
  if (first.used_step) {
    registered.last_used_step = first.used_step;
    EXPECT_EQ(method.answer_challenge(challenge, registered, right, answered_then).outcome,
              event::CodeOutcome::already_used);
  }
}

const MethodRegistry& offered() {
  static const MethodRegistry registry = sign_in_methods();
  return registry;
}

INSTANTIATE_TEST_SUITE_P(Offered, MethodContract, ::testing::ValuesIn(offered().all()),
                         [](const ::testing::TestParamInfo<const SignInMethod*>& info) {
                           return std::string(info.param->kind_name());
                         });

TEST(MethodRegistry, FindsByKindAndNameAndFiltersByPolicy) {
  const MethodRegistry& registry = offered();
  ASSERT_FALSE(registry.all().empty());
  for (const SignInMethod* method : registry.all()) {
    EXPECT_EQ(registry.find(method->kind()), method);
    EXPECT_EQ(registry.find(method->kind_name()), method);
  }
  EXPECT_EQ(registry.find("no_such_method"), nullptr);
  AllowedMethods none{false, false, false, false, false};
  EXPECT_TRUE(registry.allowed(none).empty());
  AllowedMethods every{true, true, true, true, true};
  EXPECT_EQ(registry.allowed(every).size(), registry.all().size());
}

}  // namespace
}  // namespace tessera

#include "domain/sign_in_flow.h"

#include "base/overloaded.h"

namespace tessera {
namespace {

Transition restart(Timestamp now, SignInFlow::Notice notice) {
  Transition transition{start_flow(now)};
  transition.flow.notice = notice;
  transition.restarted = true;
  return transition;
}

// After MFA (or when none is needed): "Stay signed in?", unless the user asked not to be asked.
Transition finish(SignInFlow flow, const std::string& user_id, const TransitionContext& context) {
  if (context.stay_prompt_suppressed) {
    flow.step = step::SignedIn{user_id, false};
  } else {
    flow.step = step::StaySignedIn{user_id};
  }
  return {std::move(flow)};
}

Transition apply_decision(SignInFlow flow, const SignInDecision& decision,
                          const std::string& user_id, const TransitionContext& context) {
  flow.mfa_required = decision.mfa_required;
  flow.decided_by = std::string(to_string(decision.rule));
  switch (decision.next) {
    case NextStep::deny: {
      StepMessage message = StepMessage::wrong_password;
      if (decision.rule == DecisionRule::account_locked) message = StepMessage::account_locked;
      if (decision.rule == DecisionRule::account_blocked) message = StepMessage::account_blocked;
      // Stay on the password page (of whatever step asked), with the message.
      return {std::move(flow), message};
    }
    case NextStep::change_password:
      flow.step = step::UpdatePassword{user_id};
      return {std::move(flow)};
    case NextStep::register_mfa:
      flow.step = step::MoreInformationRequired{user_id, decision.registration_skippable};
      return {std::move(flow)};
    case NextStep::challenge_mfa:
      if (context.method_for_challenge.empty())
        return restart(context.now, SignInFlow::Notice::interrupted);
      flow.wrong_codes = 0;
      flow.step = step::EnterCode{user_id, context.method_for_challenge};
      return {std::move(flow)};
    case NextStep::complete:
      return finish(std::move(flow), user_id, context);
  }
  return restart(context.now, SignInFlow::Notice::interrupted);
}

// A wrong code: count it, and end the challenge after too many.
Transition wrong_code(SignInFlow flow, StepMessage message, Timestamp now) {
  flow.wrong_codes += 1;
  if (flow.wrong_codes >= kMaxWrongCodesPerChallenge) {
    return restart(now, SignInFlow::Notice::too_many_attempts);
  }
  return {std::move(flow), message};
}

}  // namespace

std::string_view step_name(const SignInStep& step) {
  return std::visit(
      Overloaded{
          [](const step::EnterUsername&) { return std::string_view("username"); },
          [](const step::EnterPassword&) { return std::string_view("password"); },
          [](const step::UpdatePassword&) { return std::string_view("update_password"); },
          [](const step::MoreInformationRequired&) { return std::string_view("more_information"); },
          [](const step::ChooseMethod&) { return std::string_view("choose_method"); },
          [](const step::SetUpAuthenticatorApp&) { return std::string_view("set_up_app"); },
          [](const step::VerifyAuthenticatorApp&) { return std::string_view("verify_app"); },
          [](const step::EnterCode&) { return std::string_view("enter_code"); },
          [](const step::StaySignedIn&) { return std::string_view("stay_signed_in"); },
          [](const step::SignedIn&) { return std::string_view("signed_in"); },
      },
      step);
}

SignInFlow start_flow(Timestamp now) {
  SignInFlow flow;
  flow.step = step::EnterUsername{};
  flow.started_at = now;
  flow.expires_at = now + kFlowLifetime;
  return flow;
}

bool expired(const SignInFlow& flow, Timestamp now) {
  return now >= flow.expires_at;
}

Transition advance(SignInFlow flow, SignInEvent event, const TransitionContext& context) {
  const Timestamp now = context.now;
  if (expired(flow, now)) return restart(now, SignInFlow::Notice::interrupted);
  flow.notice = SignInFlow::Notice::none;
  SignInStep current = std::move(flow.step);
  flow.step = step::EnterUsername{};  // replaced by every path below
  return std::visit(
      Overloaded{
          [&](step::EnterUsername&, event::UsernameEntered& entered) -> Transition {
            flow.step = step::EnterPassword{std::move(entered.upn)};
            return {std::move(flow)};
          },
          [&](step::EnterPassword& at, event::PasswordChecked& checked) -> Transition {
            flow.step = std::move(at);  // a denial stays here
            return apply_decision(std::move(flow), checked.decision, checked.user_id, context);
          },
          [&](step::UpdatePassword& at, event::PasswordChanged& changed) -> Transition {
            const std::string user_id = at.user_id;
            flow.step = std::move(at);
            if (changed.decision.next == NextStep::deny ||
                changed.decision.next == NextStep::change_password) {
              return restart(now, SignInFlow::Notice::interrupted);
            }
            return apply_decision(std::move(flow), changed.decision, user_id, context);
          },
          [&](step::MoreInformationRequired& at, event::RegistrationAccepted&) -> Transition {
            flow.step = step::ChooseMethod{std::move(at.user_id)};
            return {std::move(flow)};
          },
          [&](step::MoreInformationRequired& at, event::RegistrationSkipped&) -> Transition {
            if (!at.skippable) return restart(now, SignInFlow::Notice::interrupted);
            return finish(std::move(flow), at.user_id, context);
          },
          [&](step::ChooseMethod& at, event::AuthenticatorAppChosen& chosen) -> Transition {
            flow.step =
                step::SetUpAuthenticatorApp{std::move(at.user_id), std::move(chosen.secret)};
            return {std::move(flow)};
          },
          [&](step::SetUpAuthenticatorApp& at, event::AppScanned&) -> Transition {
            flow.wrong_codes = 0;
            flow.step = step::VerifyAuthenticatorApp{std::move(at.user_id), std::move(at.secret)};
            return {std::move(flow)};
          },
          [&](step::VerifyAuthenticatorApp& at,
              event::RegistrationCodeChecked& checked) -> Transition {
            if (checked.outcome == event::CodeOutcome::accepted) {
              flow.registered_in_flow = true;
              flow.method_used = "authenticator_app";
              return finish(std::move(flow), at.user_id, context);
            }
            flow.step = std::move(at);
            return wrong_code(std::move(flow), StepMessage::wrong_code, now);
          },
          [&](step::EnterCode& at, event::ChallengeCodeChecked& checked) -> Transition {
            if (checked.outcome == event::CodeOutcome::accepted) {
              flow.method_used = "authenticator_app";
              return finish(std::move(flow), at.user_id, context);
            }
            flow.step = std::move(at);
            return wrong_code(std::move(flow),
                              checked.outcome == event::CodeOutcome::already_used
                                  ? StepMessage::code_already_used
                                  : StepMessage::wrong_code,
                              now);
          },
          [&](step::StaySignedIn& at, event::StayAnswered& answer) -> Transition {
            flow.step = step::SignedIn{std::move(at.user_id), answer.stay_signed_in};
            return {std::move(flow)};
          },
          [&](auto&, auto&) -> Transition { return restart(now, SignInFlow::Notice::interrupted); },
      },
      current, event);
}

}  // namespace tessera

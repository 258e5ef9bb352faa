#include "domain/sign_in_flow.h"

#include <type_traits>

#include "base/overloaded.h"

namespace tessera {
namespace {

Transition restart(Timestamp now, SignInFlow::Notice notice) {
  Transition transition{start_flow(now)};
  transition.flow.notice = notice;
  transition.restarted = true;
  return transition;
}

// After MFA (or when none is needed): "Keep your account secure" when password reset info is
// missing, then "Stay signed in?", unless the user asked not to be asked.
Transition finish(SignInFlow flow, const std::string& user_id, const TransitionContext& context) {
  if (flow.reset_info_needed && !flow.reset_info_done) {
    flow.step = step::KeepAccountSecure{user_id, flow.reset_info_skippable};
    return {std::move(flow)};
  }
  if (context.stay_prompt_suppressed && !offers_remember_device(flow)) {
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
  flow.reset_info_needed = context.reset_info_needed;
  flow.reset_info_skippable = context.reset_info_skippable;
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
      if (!context.challenge) return restart(context.now, SignInFlow::Notice::interrupted);
      flow.wrong_codes = 0;
      flow.remember_days = context.remember_days;
      flow.step = step::Challenging{user_id, context.challenge->method_id, context.challenge->kind,
                                    context.challenge->stage, context.challenge->state};
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

// An answer a method did not accept (wrong, or a code already used): counted like a wrong code.
Transition wrong_answer(SignInFlow flow, event::CodeOutcome outcome, Timestamp now) {
  return wrong_code(std::move(flow),
                    outcome == event::CodeOutcome::already_used ? StepMessage::code_already_used
                                                                : StepMessage::wrong_code,
                    now);
}

}  // namespace

bool offers_remember_device(const SignInFlow& flow) {
  return flow.remember_days > 0 && !flow.method_used.empty() && !flow.registered_in_flow;
}

const std::string* delivery_of(const SignInStep& step) {
  if (const auto* at = std::get_if<step::Registering>(&step)) return &at->delivery_id;
  if (const auto* at = std::get_if<step::Challenging>(&step)) return &at->delivery_id;
  return nullptr;
}

void set_delivery(SignInStep& step, std::string delivery_id) {
  if (auto* at = std::get_if<step::Registering>(&step)) at->delivery_id = std::move(delivery_id);
  if (auto* at = std::get_if<step::Challenging>(&step)) at->delivery_id = std::move(delivery_id);
}

std::string_view step_name(const SignInStep& step) {
  return std::visit(
      Overloaded{
          [](const step::EnterUsername&) { return std::string_view("username"); },
          [](const step::EnterPassword&) { return std::string_view("password"); },
          [](const step::UpdatePassword&) { return std::string_view("update_password"); },
          [](const step::MoreInformationRequired&) { return std::string_view("more_information"); },
          [](const step::ChooseMethod&) { return std::string_view("choose_method"); },
          [](const step::Registering& s) { return std::string_view(s.stage); },
          [](const step::Challenging& s) { return std::string_view(s.stage); },
          [](const step::KeepAccountSecure&) { return std::string_view("keep_account_secure"); },
          [](const step::StaySignedIn&) { return std::string_view("stay_signed_in"); },
          [](const step::SignedIn&) { return std::string_view("signed_in"); },
          [](const step::ResetChooseProof&) { return std::string_view("reset_choose"); },
          [](const step::ResetNewPassword&) { return std::string_view("reset_password"); },
          [](const step::ResetDone&) { return std::string_view("reset_done"); },
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

bool accepts(const SignInStep& step, const SignInEvent& event) {
  return std::visit(
      [](const auto& at, const auto& happened) {
        using At = std::decay_t<decltype(at)>;
        using Happened = std::decay_t<decltype(happened)>;
        // The whole table: each step and the events it has a transition for.
        if constexpr (std::is_same_v<At, step::EnterUsername>) {
          return std::is_same_v<Happened, event::UsernameEntered>;
        } else if constexpr (std::is_same_v<At, step::EnterPassword>) {
          return std::is_same_v<Happened, event::PasswordChecked>;
        } else if constexpr (std::is_same_v<At, step::UpdatePassword>) {
          return std::is_same_v<Happened, event::PasswordChanged>;
        } else if constexpr (std::is_same_v<At, step::MoreInformationRequired>) {
          return std::is_same_v<Happened, event::RegistrationAccepted> ||
                 std::is_same_v<Happened, event::RegistrationSkipped>;
        } else if constexpr (std::is_same_v<At, step::ChooseMethod>) {
          return std::is_same_v<Happened, event::MethodChosen>;
        } else if constexpr (std::is_same_v<At, step::Registering>) {
          return std::is_same_v<Happened, event::MethodStageReached> ||
                 std::is_same_v<Happened, event::RegistrationAnswered>;
        } else if constexpr (std::is_same_v<At, step::Challenging>) {
          return std::is_same_v<Happened, event::MethodStageReached> ||
                 std::is_same_v<Happened, event::ChallengeAnswered> ||
                 std::is_same_v<Happened, event::ChallengeSwitched>;
        } else if constexpr (std::is_same_v<At, step::KeepAccountSecure>) {
          return std::is_same_v<Happened, event::MethodChosen> ||
                 std::is_same_v<Happened, event::ResetInfoFinished> ||
                 std::is_same_v<Happened, event::RegistrationSkipped>;
        } else if constexpr (std::is_same_v<At, step::StaySignedIn>) {
          return std::is_same_v<Happened, event::StayAnswered>;
        } else {
          // Signed in, and the password reset's steps (its service moves them itself).
          static_assert(
              std::is_same_v<At, step::SignedIn> || std::is_same_v<At, step::ResetChooseProof> ||
                  std::is_same_v<At, step::ResetNewPassword> || std::is_same_v<At, step::ResetDone>,
              "a step missing from the table");
          return false;
        }
      },
      step, event);
}

namespace {

Transition advance_step(SignInFlow flow, SignInEvent event, const TransitionContext& context) {
  const Timestamp now = context.now;
  if (expired(flow, now)) return restart(now, SignInFlow::Notice::interrupted);
  if (!accepts(flow.step, event)) {
    Transition refused = restart(now, SignInFlow::Notice::interrupted);
    refused.refused = true;
    return refused;
  }
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
          [&](step::ChooseMethod& at, event::MethodChosen& chosen) -> Transition {
            flow.wrong_codes = 0;
            flow.step = step::Registering{std::move(at.user_id), std::move(chosen.kind),
                                          std::move(chosen.stage), std::move(chosen.state)};
            return {std::move(flow)};
          },
          [&](step::Registering& at, event::MethodStageReached& reached) -> Transition {
            flow.wrong_codes = 0;
            at.stage = std::move(reached.stage);
            at.state = std::move(reached.state);
            flow.step = std::move(at);
            return {std::move(flow)};
          },
          [&](step::KeepAccountSecure& at, event::MethodChosen& chosen) -> Transition {
            flow.wrong_codes = 0;
            flow.registering_reset_info = true;
            flow.step = step::Registering{std::move(at.user_id), std::move(chosen.kind),
                                          std::move(chosen.stage), std::move(chosen.state)};
            return {std::move(flow)};
          },
          [&](step::KeepAccountSecure& at, event::ResetInfoFinished&) -> Transition {
            flow.reset_info_done = true;
            return finish(std::move(flow), at.user_id, context);
          },
          [&](step::KeepAccountSecure& at, event::RegistrationSkipped&) -> Transition {
            if (!at.skippable) return restart(now, SignInFlow::Notice::interrupted);
            flow.reset_info_done = true;
            return finish(std::move(flow), at.user_id, context);
          },
          [&](step::Registering& at, event::RegistrationAnswered& answered) -> Transition {
            if (answered.outcome == event::CodeOutcome::accepted && flow.registering_reset_info) {
              // Password reset info: back to the list, to register the next or Finish.
              flow.registering_reset_info = false;
              flow.step = step::KeepAccountSecure{std::move(at.user_id), flow.reset_info_skippable};
              return {std::move(flow)};
            }
            if (answered.outcome == event::CodeOutcome::accepted) {
              flow.registered_in_flow = true;
              flow.method_used = at.kind;
              return finish(std::move(flow), at.user_id, context);
            }
            flow.step = std::move(at);
            return wrong_answer(std::move(flow), answered.outcome, now);
          },
          [&](step::Challenging& at, event::MethodStageReached& reached) -> Transition {
            at.stage = std::move(reached.stage);
            at.state = std::move(reached.state);
            flow.step = std::move(at);
            return {std::move(flow)};
          },
          [&](step::Challenging& at, event::ChallengeAnswered& answered) -> Transition {
            if (answered.outcome == event::CodeOutcome::accepted) {
              flow.method_used = at.kind;
              return finish(std::move(flow), at.user_id, context);
            }
            flow.step = std::move(at);
            return wrong_answer(std::move(flow), answered.outcome, now);
          },
          [&](step::Challenging& at, event::ChallengeSwitched& switched) -> Transition {
            // The attempts of the challenge so far still count: switching is no way round them.
            flow.step = step::Challenging{std::move(at.user_id), std::move(switched.method_id),
                                          std::move(switched.kind), std::move(switched.stage),
                                          std::move(switched.state)};
            return {std::move(flow)};
          },
          [&](step::StaySignedIn& at, event::StayAnswered& answer) -> Transition {
            const bool remember = answer.remember_device && offers_remember_device(flow);
            flow.step = step::SignedIn{std::move(at.user_id), answer.stay_signed_in, remember};
            return {std::move(flow)};
          },
          // Unreachable: accepts() refused every other pair above.
          [&](auto&, auto&) -> Transition { return restart(now, SignInFlow::Notice::interrupted); },
      },
      current, event);
}

}  // namespace

Transition advance(SignInFlow flow, SignInEvent event, const TransitionContext& context) {
  // A restart begins again at "Sign in" for the same app: where the sign-in returns to goes on.
  std::string continuation = flow.continuation;
  std::string app = flow.app;
  const bool mfa_demanded = flow.mfa_demanded;
  Transition transition = advance_step(std::move(flow), std::move(event), context);
  if (transition.restarted) {
    transition.flow.continuation = std::move(continuation);
    transition.flow.app = std::move(app);
    transition.flow.mfa_demanded = mfa_demanded;
  }
  return transition;
}

}  // namespace tessera

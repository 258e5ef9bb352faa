// The authentication phone: "Text me a code" or "Call me" (DESIGN.md section 4). Registration takes
// a country or region and a number (E.164 through libphonenumber), then proves it: a 6-digit code
// by text (methods/one_time_code.h), or a call answered with "#". The method remembers which of
// the two its owner chose and challenges that way at sign-in: a text with a code, or a call whose
// "#" the gateway reports to the voice webhook. What the stages keep (the number, the way, a sent
// code's hash) travels in their sealed state.
#pragma once

#include "methods/sign_in_method.h"

namespace tessera {

class Phone final : public SignInMethod {
 public:
  MethodKind kind() const override { return MethodKind::phone; }
  std::string_view display_name() const override { return "Phone"; }
  std::string_view default_label() const override { return "Phone – text"; }
  std::string default_label_of(const Method& method) const override;
  std::string_view amr() const override { return "sms"; }
  std::string_view other_way_text() const override { return "Text or call my phone"; }
  std::string_view step_up_text() const override { return "Verify with your phone"; }
  bool allowed_by(const AllowedMethods& allowed) const override {
    return allowed.text_message || allowed.phone_call;
  }

  bool checks_answer(const MethodStage& at) const override;
  bool waits_for_delivery(const MethodStage& at) const override;
  MethodStage begin_registration(const MethodContext& context) const override;
  RegistrationAnswer answer_registration(const MethodStage& at, const FormValues& form,
                                         const MethodContext& context) const override;
  MethodView registration_view(const MethodStage& at, const ViewContext& who) const override;

  MethodStage begin_challenge(const Method& method, const MethodContext& context) const override;
  std::vector<ChallengeOption> challenge_options(const Method& method) const override;
  ChallengeAnswer answer_challenge(const MethodStage& at, const Method& method,
                                   const FormValues& form,
                                   const MethodContext& context) const override;
  MethodView challenge_view(const MethodStage& at, const ViewContext& who) const override;

  std::vector<std::string_view> template_names() const override;
  std::string_view template_text(std::string_view name) const override;
};

}  // namespace tessera

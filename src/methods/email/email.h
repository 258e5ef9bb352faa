// Email: a 6-digit code sent to an address outside the organisation (DESIGN.md section 4).
// Registration takes the address (refused inside the policy's organization_domains: it is how
// people are reached when they cannot sign in), then the code sent to it. It can always be
// registered, since it serves password reset; it serves sign-in and step-up only where the policy
// allows `email`. The address and a sent code's hash travel in the stage's sealed state.
#pragma once

#include "domain/email_address.h"
#include "methods/sign_in_method.h"

namespace tessera {

class Email final : public SignInMethod {
 public:
  MethodKind kind() const override { return MethodKind::email; }
  std::string_view display_name() const override { return "Email"; }
  std::string_view default_label() const override { return "Email – code"; }
  std::string default_label_of(const Method& method) const override;
  std::string_view amr(const MethodStage&) const override {
    return "otp";
  }  // RFC 8176 has no value for email
  std::string_view other_way_text() const override { return "Email a code to me"; }
  std::string_view step_up_text() const override { return "Verify with a code by email"; }
  bool allowed_by(const AllowedMethods& allowed) const override { return allowed.email; }
  bool registrable_by(const AllowedMethods&) const override { return true; }
  bool serves_password_reset() const override { return true; }
  std::vector<ResetWay> reset_ways(const AllowedMethods&) const override {
    return {ResetWay{"", "Email a code to my authentication email"}};
  }
  std::optional<std::string> reset_destination(std::string_view typed) const override {
    return email_address(typed);
  }
  std::optional<Outgoing> notice(const Method& method, std::string_view text,
                                 const ViewContext& who) const override;

  bool challenge_sends() const override { return true; }
  bool checks_answer(const MethodStage& at) const override;
  MethodStage begin_registration(const MethodContext& context) const override;
  RegistrationAnswer answer_registration(const MethodStage& at, const FormValues& form,
                                         const MethodContext& context) const override;
  MethodView registration_view(const MethodStage& at, const ViewContext& who) const override;

  MethodStage begin_challenge(const Method& method, const MethodContext& context) const override;
  std::vector<ChallengeOption> challenge_options(const Method& method,
                                                 const AllowedMethods& allowed) const override;
  ChallengeAnswer answer_challenge(const MethodStage& at, const Method& method,
                                   const FormValues& form,
                                   const MethodContext& context) const override;
  MethodView challenge_view(const MethodStage& at, const ViewContext& who) const override;

  std::vector<std::string_view> template_names() const override;
  std::string_view template_text(std::string_view name) const override;
};

// "al*****@example.org": how a challenge names the address.
std::string masked_email(std::string_view address);

}  // namespace tessera

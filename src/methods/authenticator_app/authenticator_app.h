// The authenticator app: a TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s) registered by scanning
// a QR code (otpauth:// URI), then proved with a code from the app, which also starts the replay
// guard. At sign-in it sends nothing: the person types the app's current code.
#pragma once

#include "methods/sign_in_method.h"

namespace tessera {

class AuthenticatorApp final : public SignInMethod {
 public:
  MethodKind kind() const override { return MethodKind::authenticator_app; }
  std::string_view display_name() const override { return "Authenticator app"; }
  std::string_view default_label() const override { return "Authenticator app – code"; }
  std::string_view amr(const MethodStage&) const override { return "otp"; }
  std::string_view other_way_text() const override {
    return "Use a verification code from my authenticator app";
  }
  std::string_view step_up_text() const override {
    return "Verify with a code from your authenticator app";
  }
  bool allowed_by(const AllowedMethods& allowed) const override { return allowed.app_code; }

  bool checks_answer(const MethodStage& at) const override;
  MethodStage begin_registration(const MethodContext& context) const override;
  RegistrationAnswer answer_registration(const MethodStage& at, const FormValues& form,
                                         const MethodContext& context) const override;
  MethodView registration_view(const MethodStage& at, const ViewContext& who) const override;

  MethodStage begin_challenge(const Method& method, const MethodContext& context) const override;
  ChallengeAnswer answer_challenge(const MethodStage& at, const Method& method,
                                   const FormValues& form,
                                   const MethodContext& context) const override;
  MethodView challenge_view(const MethodStage& at, const ViewContext& who) const override;

  std::vector<std::string_view> template_names() const override;
  std::string_view template_text(std::string_view name) const override;
};

}  // namespace tessera

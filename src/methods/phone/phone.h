// The authentication phone: "Text me a code" or "Call me" (DESIGN.md section 4). Registration takes
// a country or region and a number (E.164 through libphonenumber), then proves it: a 6-digit code
// by text (methods/one_time_code.h), or a call answered with "#". The method remembers which of
// the two its owner chose and challenges that way at sign-in: a text with a code, or a call whose
// "#" the gateway reports to the voice webhook. What the stages keep (the number, the way, a sent
// code's hash) travels in their sealed state.
//
// The alternate phone is the same method on a second line that only calls (PhoneLine::alternate).
// The policy's text_message and phone_call allow each way on its own: a registration offers the
// allowed ways, a challenge uses the owner's way while it is allowed and the other one if not.
#pragma once

#include "methods/sign_in_method.h"

namespace tessera {

enum class PhoneLine { main, alternate };

class Phone final : public SignInMethod {
 public:
  explicit Phone(PhoneLine line = PhoneLine::main) : line_(line) {}

  MethodKind kind() const override {
    return line_ == PhoneLine::main ? MethodKind::phone : MethodKind::alternate_phone;
  }
  std::string_view display_name() const override {
    return line_ == PhoneLine::main ? "Phone" : "Alternate phone";
  }
  std::string_view default_label() const override {
    return line_ == PhoneLine::main ? "Phone – text" : "Alternate phone – call";
  }
  std::string default_label_of(const Method& method) const override;
  std::string_view amr(const MethodStage& at) const override;
  std::string_view other_way_text() const override {
    return line_ == PhoneLine::main ? "Text or call my phone" : "Call my alternate phone";
  }
  std::string_view step_up_text() const override {
    return line_ == PhoneLine::main ? "Verify with your phone" : "Verify with your alternate phone";
  }
  bool allowed_by(const AllowedMethods& allowed) const override {
    return allows_call(allowed) || allows_text(allowed);
  }
  // The main phone resets passwords by text (a call is not offered: "Forgot my password" pages
  // must look the same whether or not anything was sent).
  bool serves_password_reset() const override { return line_ == PhoneLine::main; }
  std::vector<ResetWay> reset_ways(const AllowedMethods& allowed) const override;
  std::optional<std::string> reset_destination(std::string_view typed) const override;
  std::optional<Outgoing> notice(const Method& method, std::string_view text,
                                 const ViewContext& who) const override;

  bool challenge_sends() const override { return true; }
  bool checks_answer(const MethodStage& at) const override;
  bool waits_for_delivery(const MethodStage& at) const override;
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

 private:
  bool allows_text(const AllowedMethods& allowed) const {
    return line_ == PhoneLine::main && allowed.text_message;
  }
  bool allows_call(const AllowedMethods& allowed) const { return allowed.phone_call; }

  PhoneLine line_;
};

}  // namespace tessera

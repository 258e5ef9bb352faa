#include "methods/authenticator_app/authenticator_app.h"

#include <sodium.h>

#include "crypto/base32.h"
#include "crypto/otp.h"
#include "crypto/otpauth_uri.h"
#include "crypto/qr_code.h"

namespace tessera {

std::string_view authenticator_app_asset(std::string_view name);

namespace {

// The stages, which are also the step names the forms post.
constexpr std::string_view kSetUp = "set_up_app";   // the QR code
constexpr std::string_view kVerify = "verify_app";  // a code from the new app
constexpr std::string_view kCode = "enter_code";    // the challenge
constexpr std::string_view kSetUpTemplate = "set_up_app";
constexpr std::string_view kCodeTemplate = "enter_code";  // the pages' shared code page
constexpr const char* kInstructions =
    "Enter the code displayed in the authenticator app on your mobile device.";
// 160 bits, as RFC 4226 recommends and DESIGN.md section 4 asks.
constexpr std::size_t kSecretBytes = 20;

TotpParameters parameters() {
  return TotpParameters{};
}

std::string base64(std::string_view text) {
  std::string out(sodium_base64_ENCODED_LEN(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                    text.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// "ABCD EFGH …": what people copy into an app by hand.
std::string grouped(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(text[i]);
  }
  return out;
}

std::string form_code(const FormValues& form) {
  const auto code = form.find("code");
  return code == form.end() ? std::string() : normalise_code(code->second);
}

MethodView code_view() {
  return MethodView{std::string(kCodeTemplate), "Enter code", {{"instructions", kInstructions}}};
}

}  // namespace

bool AuthenticatorApp::checks_answer(const MethodStage& at) const {
  return at.name != kSetUp;
}

MethodStage AuthenticatorApp::begin_registration(const MethodContext& context) const {
  return MethodStage{std::string(kSetUp), context.rng.secret_bytes(kSecretBytes), std::nullopt};
}

RegistrationAnswer AuthenticatorApp::answer_registration(const MethodStage& at,
                                                         const FormValues& form,
                                                         const MethodContext& context) const {
  const Timestamp now = context.now;
  RegistrationAnswer answer;
  if (at.name == kSetUp) {
    answer.outcome = RegistrationAnswer::Outcome::next_stage;
    answer.next = MethodStage{std::string(kVerify), at.state, std::nullopt};
    return answer;
  }
  if (at.name != kVerify || at.state.size() != kSecretBytes) return answer;
  const auto step = match_totp(at.state.span(), form_code(form), now, parameters());
  if (!step) return answer;
  answer.outcome = RegistrationAnswer::Outcome::accepted;
  answer.secret = at.state;
  answer.label = std::string(display_name());
  answer.used_step = *step;
  return answer;
}

MethodView AuthenticatorApp::registration_view(const MethodStage& at,
                                               const ViewContext& who) const {
  if (at.name != kSetUp) return code_view();
  MethodView view{std::string(kSetUpTemplate), "Set up your authenticator app", {}};
  const SecretBytes uri = totp_uri(who.tenant, who.upn, at.state, parameters());
  auto svg = qr_svg(uri.view());
  view.values.emplace_back("qr_svg_base64", svg.ok() ? base64(*svg) : "");
  std::string encoded = base32_encode(at.state.span());
  view.values.emplace_back("secret_grouped", grouped(encoded));
  wipe_string(encoded);
  view.values.emplace_back("account", std::string(who.upn));
  return view;
}

MethodStage AuthenticatorApp::begin_challenge(const Method&, const MethodContext&) const {
  return MethodStage{std::string(kCode), SecretBytes(), std::nullopt};
}

ChallengeAnswer AuthenticatorApp::answer_challenge(const MethodStage& at, const Method& method,
                                                   const FormValues& form,
                                                   const MethodContext& context) const {
  const Timestamp now = context.now;
  ChallengeAnswer answer;
  if (at.name != kCode) return answer;
  const auto step = match_totp(method.secret.span(), form_code(form), now, parameters());
  if (!step) return answer;
  if (method.last_used_step && *step <= *method.last_used_step) {
    answer.outcome = event::CodeOutcome::already_used;
    return answer;
  }
  answer.outcome = event::CodeOutcome::accepted;
  answer.used_step = *step;
  return answer;
}

MethodView AuthenticatorApp::challenge_view(const MethodStage&, const ViewContext&) const {
  return code_view();
}

std::vector<std::string_view> AuthenticatorApp::template_names() const {
  return {kSetUpTemplate};
}

std::string_view AuthenticatorApp::template_text(std::string_view name) const {
  return authenticator_app_asset(std::string(name) + ".mustache");
}

}  // namespace tessera

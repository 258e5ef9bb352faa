#include "methods/email/email.h"

#include <cstring>

#include "base/markup_escape.h"
#include "base/text.h"
#include "methods/one_time_code.h"

namespace tessera {

std::string_view email_asset(std::string_view name);

namespace {

// The stages, which are also the step names the forms post.
constexpr std::string_view kAddress = "email_address";  // the address to use
constexpr std::string_view kVerify = "verify_email";    // the code of the first email
constexpr std::string_view kCode = "email_code";        // challenge: the emailed code
constexpr std::string_view kAddressTemplate = "email_address";
constexpr std::string_view kCodeTemplate = "enter_code";  // the pages' shared code page

// What a code stage keeps: the address and the sent code.
struct EmailState {
  std::string address;
  StoredCode code;
};

SecretBytes encode(const EmailState& state) {
  std::vector<std::uint8_t> bytes;
  bytes.push_back(static_cast<std::uint8_t>(state.address.size()));
  bytes.insert(bytes.end(), state.address.begin(), state.address.end());
  const auto code = state.code.encode();
  bytes.insert(bytes.end(), code.begin(), code.end());
  return SecretBytes(std::move(bytes));
}

std::optional<EmailState> decode(const SecretBytes& state) {
  const auto bytes = state.span();
  if (bytes.empty() || bytes.size() < 1u + bytes[0]) return std::nullopt;
  EmailState out;
  out.address.assign(reinterpret_cast<const char*>(bytes.data()) + 1, bytes[0]);
  auto code = StoredCode::decode(bytes.subspan(1 + bytes[0]));
  if (!code) return std::nullopt;
  out.code = *code;
  return out;
}

std::string form_value(const FormValues& form, const char* name) {
  const auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// The email that carries a code: a text part and an HTML part that needs nothing from outside
// (no images, no links, styles inline), naming the tenant and never the password.
Outgoing code_email(const std::string& address, const SecretBytes& code, const ViewContext& who,
                    bool registering, const std::string& report_url) {
  const std::string name(who.tenant);
  std::string why = registering ? "You're adding this email address to your " + name + " account."
                    : who.password_reset
                        ? "Someone is resetting the password of your " + name + " account."
                        : "Someone is signing in to your " + name + " account.";
  const bool report = !registering && !report_url.empty();
  std::string text = "Use verification code " + std::string(code.view()) + " for " + name +
                     " authentication.\n\n" + why +
                     " The code is valid for 10 minutes.\n\nIf this wasn't you, don't share the "
                     "code with anyone: change your password and tell your IT department.\n";
  if (report) text += "\nThis wasn't me: " + report_url + "\n";
  std::string html =
      "<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;"
      "color:#1b1b1b\"><p>Use verification code</p><p style=\"font-size:28px;font-weight:600;"
      "letter-spacing:4px\">" +
      std::string(code.view()) + "</p><p>for " + xml_escape(name) + " authentication.</p><p>" +
      xml_escape(why) +
      " The code is valid for 10 minutes.</p><p>If this wasn't you, don't share the code with "
      "anyone: change your password and tell your IT department.</p>" +
      (report ? "<p><a href=\"" + xml_escape(report_url) +
                    "\" style=\"color:#0067b8\">This wasn't me</a></p>"
              : std::string()) +
      "</body></html>";
  Outgoing message{DeliveryChannel::email, address, name + " verification code",
                   SecretBytes::from_string(text), SecretBytes::from_string(html)};
  message.carries_report_link = report;
  wipe_string(text);
  wipe_string(html);
  return message;
}

MethodStage sending(std::string_view stage, const std::string& address,
                    const MethodContext& context, bool registering) {
  IssuedCode issued = issue_one_time_code(context.rng, context.now);
  return MethodStage{
      std::string(stage), encode(EmailState{address, issued.stored}),
      code_email(address, issued.code, context.who, registering, context.report_url)};
}

bool code_is_right(EmailState& state, const FormValues& form, Timestamp now,
                   event::CodeOutcome* outcome) {
  const OneTimeCodeResult result =
      check_one_time_code(state.code, normalise_code(form_value(form, "code")), now);
  *outcome = result == OneTimeCodeResult::accepted ? event::CodeOutcome::accepted
             : result == OneTimeCodeResult::used   ? event::CodeOutcome::already_used
                                                   : event::CodeOutcome::wrong;
  return result == OneTimeCodeResult::accepted;
}

MethodView code_view(const std::string& instructions) {
  return MethodView{std::string(kCodeTemplate), "Enter code", {{"instructions", instructions}}};
}

}  // namespace

std::string masked_email(std::string_view address) {
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return "your email";
  const std::size_t shown = at < 2 ? at : 2;
  return std::string(address.substr(0, shown)) + "*****" + std::string(address.substr(at));
}

bool Email::checks_answer(const MethodStage& at) const {
  return at.name != kAddress;
}

MethodStage Email::begin_registration(const MethodContext&) const {
  return MethodStage{std::string(kAddress), SecretBytes(), std::nullopt};
}

RegistrationAnswer Email::answer_registration(const MethodStage& at, const FormValues& form,
                                              const MethodContext& context) const {
  RegistrationAnswer answer;
  if (at.name == kAddress) {
    const auto address = email_address(form_value(form, "email"));
    if (!address) {
      answer.outcome = RegistrationAnswer::Outcome::invalid;
      answer.problem = "Enter an email address in the format name@example.com.";
      return answer;
    }
    if (is_organization_domain(policy_of(context), address->substr(address->rfind('@') + 1))) {
      answer.outcome = RegistrationAnswer::Outcome::invalid;
      answer.problem =
          "Use an email address outside your organization: it's how we reach you when you can't "
          "sign in.";
      return answer;
    }
    answer.outcome = RegistrationAnswer::Outcome::next_stage;
    answer.next = sending(kVerify, *address, context, true);
    return answer;
  }
  auto state = decode(at.state);
  event::CodeOutcome outcome{};
  if (at.name != kVerify || !state || !code_is_right(*state, form, context.now, &outcome)) {
    return answer;
  }
  answer.outcome = RegistrationAnswer::Outcome::accepted;
  answer.label = state->address;
  answer.detail = state->address;
  return answer;
}

MethodView Email::registration_view(const MethodStage& at, const ViewContext&) const {
  if (at.name == kAddress) return MethodView{std::string(kAddressTemplate), "Email", {}};
  const auto state = decode(at.state);
  const std::string address = state ? state->address : "your email";
  return code_view("We just sent a code to " + address + ". Enter the code below.");
}

MethodStage Email::begin_challenge(const Method& method, const MethodContext& context) const {
  return sending(kCode, method.detail, context, false);
}

std::vector<ChallengeOption> Email::challenge_options(const Method& method,
                                                      const AllowedMethods& allowed) const {
  if (!allowed_by(allowed)) return {};
  return {ChallengeOption{"", "Email " + masked_email(method.detail)}};
}

ChallengeAnswer Email::answer_challenge(const MethodStage& at, const Method& method,
                                        const FormValues& form,
                                        const MethodContext& context) const {
  ChallengeAnswer answer;
  auto state = decode(at.state);
  // A stage for another address (the method was changed meanwhile) proves nothing.
  if (at.name != kCode || !state || state->address != method.detail) return answer;
  code_is_right(*state, form, context.now, &answer.outcome);
  return answer;
}

MethodView Email::challenge_view(const MethodStage& at, const ViewContext& who) const {
  const auto state = decode(at.state);
  const std::string address = state ? masked_email(state->address) : "your email";
  return code_view("We emailed a code to " + address + ". Please enter the code to " +
                   (who.password_reset ? "reset your password." : "sign in."));
}

std::string Email::default_label_of(const Method& method) const {
  return "Email " + method.detail;
}

std::optional<Outgoing> Email::notice(const Method& method, std::string_view text,
                                      const ViewContext& who) const {
  const std::string name(who.tenant);
  std::string html =
      "<!DOCTYPE html><html><body style=\"font-family:Segoe UI,Helvetica,Arial,sans-serif;"
      "color:#1b1b1b\"><p>" +
      xml_escape(text) + "</p></body></html>";
  return Outgoing{DeliveryChannel::email, method.detail, name + ": your security info changed",
                  SecretBytes::from_string(std::string(text) + "\n"),
                  SecretBytes::from_string(html)};
}

std::vector<std::string_view> Email::template_names() const {
  return {kAddressTemplate};
}

std::string_view Email::template_text(std::string_view name) const {
  return email_asset(std::string(name) + ".mustache");
}

}  // namespace tessera

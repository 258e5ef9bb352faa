#include "methods/phone/phone.h"

#include "base/markup_escape.h"
#include "methods/one_time_code.h"
#include "methods/phone_number.h"

namespace tessera {

std::string_view phone_asset(std::string_view name);

namespace {

// The stages, which are also the step names the forms post.
constexpr std::string_view kNumber = "phone_number";           // country or region and number
constexpr std::string_view kVerifyText = "verify_phone_text";  // the code of the first text
constexpr std::string_view kVerifyCall = "verify_phone_call";  // the first call, answered with #
constexpr std::string_view kCode = "phone_code";               // challenge: the texted code
constexpr std::string_view kCall = "phone_call";               // challenge: the call
constexpr std::string_view kNumberTemplate = "phone_number";
constexpr std::string_view kCallingTemplate = "calling";
constexpr std::string_view kCodeTemplate = "enter_code";  // the pages' shared code page

enum class Way : std::uint8_t { text = 't', call = 'c' };

// What a stage keeps: the way, the number and (texts) the sent code.
struct PhoneState {
  Way way = Way::text;
  std::string e164;
  std::optional<StoredCode> code;
};

SecretBytes encode(const PhoneState& state) {
  std::vector<std::uint8_t> bytes;
  bytes.push_back(static_cast<std::uint8_t>(state.way));
  bytes.push_back(static_cast<std::uint8_t>(state.e164.size()));
  bytes.insert(bytes.end(), state.e164.begin(), state.e164.end());
  if (state.code) {
    const auto code = state.code->encode();
    bytes.insert(bytes.end(), code.begin(), code.end());
  }
  return SecretBytes(std::move(bytes));
}

std::optional<PhoneState> decode(const SecretBytes& state) {
  const auto bytes = state.span();
  if (bytes.size() < 2) return std::nullopt;
  PhoneState out;
  if (bytes[0] != static_cast<std::uint8_t>(Way::text) &&
      bytes[0] != static_cast<std::uint8_t>(Way::call)) {
    return std::nullopt;
  }
  out.way = static_cast<Way>(bytes[0]);
  const std::size_t length = bytes[1];
  if (bytes.size() < 2 + length) return std::nullopt;
  out.e164.assign(reinterpret_cast<const char*>(bytes.data()) + 2, length);
  if (bytes.size() > 2 + length) {
    out.code = StoredCode::decode(bytes.subspan(2 + length));
    if (!out.code) return std::nullopt;
  }
  return out;
}

std::string form_value(const FormValues& form, const char* name) {
  const auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// "Use verification code 123456 for Contoso authentication.": no link, no password, no name.
Outgoing code_text(const std::string& e164, const SecretBytes& code, std::string_view tenant) {
  std::string body = "Use verification code " + std::string(code.view()) + " for " +
                     std::string(tenant) + " authentication.";
  Outgoing message{DeliveryChannel::text, e164, "", SecretBytes::from_string(body), SecretBytes()};
  wipe_string(body);
  return message;
}

Outgoing call(const std::string& e164, const ViewContext& who, bool registering) {
  std::string words = "This is " + std::string(who.tenant) + ". ";
  // Whoever answers a number mistyped while adding a phone did not start anything: they may
  // decline, but cannot report (and so block) someone else's account.
  if (registering) {
    words +=
        "You are adding this phone to your account. If this was you, press the pound key to "
        "finish. If you weren't expecting this call, hang up.";
  } else {
    words +=
        "Someone is signing in to your account. If this was you, press the pound key to finish. "
        "If it was not you, press zero, then the pound key, to report it.";
  }
  Outgoing message{DeliveryChannel::call, e164, "", SecretBytes::from_string(words), SecretBytes()};
  message.reports_fraud = !registering;
  return message;
}

// A stage that sends a code by text: a fresh code, its hash kept in the state.
MethodStage texting(std::string_view stage, const std::string& e164, const MethodContext& context) {
  IssuedCode issued = issue_one_time_code(context.rng, context.now);
  MethodStage at{std::string(stage), encode(PhoneState{Way::text, e164, issued.stored}),
                 code_text(e164, issued.code, context.who.tenant)};
  return at;
}

MethodStage calling(std::string_view stage, const std::string& e164, const MethodContext& context,
                    bool registering) {
  return MethodStage{std::string(stage), encode(PhoneState{Way::call, e164, std::nullopt}),
                     call(e164, context.who, registering)};
}

// Whether `form`'s code is the stage's texted code (its try counted in `state`).
event::CodeOutcome check_code(PhoneState& state, const FormValues& form, Timestamp now) {
  if (!state.code) return event::CodeOutcome::wrong;
  const OneTimeCodeResult result =
      check_one_time_code(*state.code, normalise_code(form_value(form, "code")), now);
  if (result == OneTimeCodeResult::accepted) return event::CodeOutcome::accepted;
  if (result == OneTimeCodeResult::used) return event::CodeOutcome::already_used;
  return event::CodeOutcome::wrong;
}

bool call_approved(const MethodContext& context) {
  return context.delivery && context.delivery->status == DeliveryStatus::sent &&
         context.delivery->answer == CallAnswer::approved;
}

MethodView code_view(const std::string& instructions) {
  return MethodView{std::string(kCodeTemplate), "Enter code", {{"instructions", instructions}}};
}

// The picker's options, "United Kingdom (+44)", built once.
const std::string& region_options() {
  static const std::string options = [] {
    std::string html;
    for (const PhoneRegion& region : phone_regions()) {
      html += "<option value=\"" + xml_escape(region.code) + "\">" + xml_escape(region.name) +
              " (+" + std::to_string(region.calling_code) + ")</option>\n";
    }
    return html;
  }();
  return options;
}

MethodView calling_view(const std::string& text) {
  return MethodView{std::string(kCallingTemplate), "Approve sign in request", {{"calling", text}}};
}

}  // namespace

bool Phone::checks_answer(const MethodStage& at) const {
  return at.name != kNumber;
}

bool Phone::waits_for_delivery(const MethodStage& at) const {
  return at.name == kVerifyCall || at.name == kCall;
}

MethodStage Phone::begin_registration(const MethodContext& context) const {
  // The ways offered, as the policy stands when the registration begins: "t", "c" or "tc".
  const AllowedMethods& allowed = policy_of(context).allowed_methods;
  std::string offered;
  if (allows_text(allowed)) offered += static_cast<char>(Way::text);
  if (allows_call(allowed)) offered += static_cast<char>(Way::call);
  return MethodStage{std::string(kNumber), SecretBytes::from_string(offered), std::nullopt};
}

RegistrationAnswer Phone::answer_registration(const MethodStage& at, const FormValues& form,
                                              const MethodContext& context) const {
  RegistrationAnswer answer;
  if (at.name == kNumber) {
    auto e164 = to_e164(form_value(form, "region"), form_value(form, "number"));
    if (!e164.ok()) {
      answer.outcome = RegistrationAnswer::Outcome::invalid;
      answer.problem = e164.status().message();
      return answer;
    }
    const std::string_view offered = at.state.view();
    const bool text_offered = offered.find(static_cast<char>(Way::text)) != std::string_view::npos;
    const bool call_offered = offered.find(static_cast<char>(Way::call)) != std::string_view::npos;
    if (!text_offered && !call_offered) {
      answer.outcome = RegistrationAnswer::Outcome::invalid;
      answer.problem = "Your organization doesn't allow texts or calls to phones.";
      return answer;
    }
    const bool by_call = call_offered && (form_value(form, "way") == "call" || !text_offered);
    answer.outcome = RegistrationAnswer::Outcome::next_stage;
    answer.next =
        by_call ? calling(kVerifyCall, *e164, context, true) : texting(kVerifyText, *e164, context);
    return answer;
  }
  auto state = decode(at.state);
  if (!state) return answer;
  bool proved = false;
  if (at.name == kVerifyText) {
    proved = check_code(*state, form, context.now) == event::CodeOutcome::accepted;
  } else if (at.name == kVerifyCall) {
    proved = call_approved(context);
  }
  if (!proved) return answer;
  answer.outcome = RegistrationAnswer::Outcome::accepted;
  answer.secret = SecretBytes::from_string(state->way == Way::call ? "call" : "text");
  answer.label = display_phone(state->e164);
  answer.detail = state->e164;
  return answer;
}

MethodView Phone::registration_view(const MethodStage& at, const ViewContext&) const {
  if (at.name == kNumber) {
    MethodView view{
        std::string(kNumberTemplate),
        std::string(display_name()),
        {{"region_options", region_options()}, {"heading", std::string(display_name())}}};
    const std::string_view offered = at.state.view();
    const bool text = offered.find(static_cast<char>(Way::text)) != std::string_view::npos;
    const bool call = offered.find(static_cast<char>(Way::call)) != std::string_view::npos;
    view.values.emplace_back(
        "intro", text && call ? "You can prove who you are by answering a call on your phone or "
                                "texting a code to your phone."
                 : text       ? "You can prove who you are by texting a code to your phone."
                              : "You can prove who you are by answering a call on your phone.");
    if (text) view.values.emplace_back("offer_text", "yes");
    if (call) view.values.emplace_back("offer_call", "yes");
    if (call && !text) view.values.emplace_back("call_only", "yes");
    return view;
  }
  const auto state = decode(at.state);
  const std::string number = state ? display_phone(state->e164) : "your phone";
  if (at.name == kVerifyCall) {
    return calling_view("We're calling " + number + " now. Answer it and press # to continue.");
  }
  return code_view("We just sent a 6 digit code to " + number + ". Enter the code below.");
}

MethodStage Phone::begin_challenge(const Method& method, const MethodContext& context) const {
  const AllowedMethods& allowed = policy_of(context).allowed_methods;
  const std::string_view way = context.way.empty() ? method.secret.view() : context.way;
  // The owner's way while the policy allows it, else the other one.
  const bool by_call = !allows_text(allowed) || (way == "call" && allows_call(allowed));
  if (by_call) return calling(kCall, method.detail, context, false);
  return texting(kCode, method.detail, context);
}

std::string Phone::default_label_of(const Method& method) const {
  const bool by_call = line_ == PhoneLine::alternate || method.secret.view() == "call";
  return std::string(display_name()) + (by_call ? " – call " : " – text ") +
         display_phone(method.detail);
}

std::vector<ChallengeOption> Phone::challenge_options(const Method& method,
                                                      const AllowedMethods& allowed) const {
  const std::string number = masked_phone(method.detail);
  std::vector<ChallengeOption> options;
  if (allows_text(allowed)) options.push_back(ChallengeOption{"text", "Text " + number});
  if (allows_call(allowed)) options.push_back(ChallengeOption{"call", "Call " + number});
  return options;
}

std::vector<ResetWay> Phone::reset_ways(const AllowedMethods& allowed) const {
  if (line_ != PhoneLine::main || !allows_text(allowed)) return {};
  return {ResetWay{"text", "Text a code to my authentication phone"}};
}

std::optional<std::string> Phone::reset_destination(std::string_view typed) const {
  if (typed.find('+') == std::string_view::npos) return std::nullopt;
  auto e164 = to_e164("", typed);
  if (!e164.ok()) return std::nullopt;
  return *e164;
}

std::optional<Outgoing> Phone::notice(const Method& method, std::string_view text,
                                      const ViewContext& who) const {
  // Only a phone that takes texts: a call that reads out a notice would wake people up for
  // nothing they can answer.
  if (line_ != PhoneLine::main || method.secret.view() == "call") return std::nullopt;
  return Outgoing{DeliveryChannel::text, method.detail, "",
                  SecretBytes::from_string(std::string(who.tenant) + ": " + std::string(text)),
                  SecretBytes()};
}

ChallengeAnswer Phone::answer_challenge(const MethodStage& at, const Method& method,
                                        const FormValues& form,
                                        const MethodContext& context) const {
  ChallengeAnswer answer;
  auto state = decode(at.state);
  // A stage for another number (the method was changed meanwhile) proves nothing.
  if (!state || state->e164 != method.detail) return answer;
  if (at.name == kCode) {
    answer.outcome = check_code(*state, form, context.now);
  } else if (at.name == kCall && call_approved(context)) {
    answer.outcome = event::CodeOutcome::accepted;
  }
  return answer;
}

MethodView Phone::challenge_view(const MethodStage& at, const ViewContext& who) const {
  const auto state = decode(at.state);
  const std::string number = state ? masked_phone(state->e164) : "your phone";
  if (at.name == kCall) {
    return calling_view("We're calling your phone " + number + ". Please answer it to continue.");
  }
  return code_view("We texted your phone " + number + ". Please enter the code to " +
                   (who.password_reset ? "reset your password." : "sign in."));
}

std::vector<std::string_view> Phone::template_names() const {
  return {kNumberTemplate, kCallingTemplate};
}

std::string_view Phone::template_text(std::string_view name) const {
  return phone_asset(std::string(name) + ".mustache");
}

std::string_view Phone::amr(const MethodStage& at) const {
  // A call is proven by the phone (RFC 8176 "tel"), a text by the code it carried ("sms").
  return at.name == kCall || at.name == kVerifyCall ? "tel" : "sms";
}

}  // namespace tessera

#include "service/flow_codec.h"

#include <boost/json.hpp>

#include "base/hex.h"
#include "base/overloaded.h"

namespace tessera {
namespace json = boost::json;
namespace {

// Bumped when the stored form changes; a flow of another version is not read (a sign-in under
// way when tessera is upgraded starts again at "Sign in").
constexpr int kCodecVersion = 2;

std::string secret_hex(const SecretBytes& secret) {
  return to_hex(secret.span());
}

// The stored step names: the common steps by their form names, a method's steps generically
// (their stage is stored beside them).
std::string_view generic_step_name(const SignInStep& step) {
  if (std::holds_alternative<step::Registering>(step)) return "registering";
  if (std::holds_alternative<step::Challenging>(step)) return "challenging";
  return step_name(step);
}

}  // namespace

SecretBytes encode_flow(const SignInFlow& flow) {
  json::object object;
  object["flow"] = flow.kind == FlowKind::add_method       ? "add_method"
                   : flow.kind == FlowKind::step_up        ? "step_up"
                   : flow.kind == FlowKind::password_reset ? "password_reset"
                                                           : "sign_in";
  object["codec"] = kCodecVersion;
  object["step"] = std::string(generic_step_name(flow.step));
  std::visit(Overloaded{
                 [](const step::EnterUsername&) {},
                 [&](const step::EnterPassword& s) { object["upn"] = s.upn; },
                 [&](const step::UpdatePassword& s) { object["user"] = s.user_id; },
                 [&](const step::MoreInformationRequired& s) {
                   object["user"] = s.user_id;
                   object["skippable"] = s.skippable;
                 },
                 [&](const step::ChooseMethod& s) { object["user"] = s.user_id; },
                 [&](const step::Registering& s) {
                   object["user"] = s.user_id;
                   object["kind"] = s.kind;
                   object["stage"] = s.stage;
                   object["state"] = secret_hex(s.state);
                   object["delivery"] = s.delivery_id;
                 },
                 [&](const step::Challenging& s) {
                   object["user"] = s.user_id;
                   object["method"] = s.method_id;
                   object["kind"] = s.kind;
                   object["stage"] = s.stage;
                   object["state"] = secret_hex(s.state);
                   object["delivery"] = s.delivery_id;
                 },
                 [&](const step::KeepAccountSecure& s) {
                   object["user"] = s.user_id;
                   object["skippable"] = s.skippable;
                 },
                 [&](const step::StaySignedIn& s) { object["user"] = s.user_id; },
                 [&](const step::ResetChooseProof& s) {
                   object["upn"] = s.upn;
                   object["user"] = s.user_id;
                 },
                 [&](const step::ResetNewPassword& s) { object["user"] = s.user_id; },
                 [](const step::ResetDone&) {},
                 [&](const step::SignedIn& s) {
                   object["user"] = s.user_id;
                   object["persistent"] = s.persistent;
                   object["remember_device"] = s.remember_device;
                 },
             },
             flow.step);
  object["started_at"] = to_unix_seconds(flow.started_at);
  object["expires_at"] = to_unix_seconds(flow.expires_at);
  object["notice"] = static_cast<int>(flow.notice);
  object["wrong_codes"] = flow.wrong_codes;
  object["mfa_required"] = flow.mfa_required;
  object["decided_by"] = flow.decided_by;
  object["method_used"] = flow.method_used;
  if (!flow.method_amr.empty()) object["method_amr"] = flow.method_amr;
  object["registered_in_flow"] = flow.registered_in_flow;
  object["security_version"] = flow.security_version;
  if (!flow.replaces.empty()) object["replaces"] = flow.replaces;
  object["remember_days"] = flow.remember_days;
  object["reset_info_needed"] = flow.reset_info_needed;
  object["reset_info_skippable"] = flow.reset_info_skippable;
  object["reset_info_done"] = flow.reset_info_done;
  object["registering_reset_info"] = flow.registering_reset_info;
  object["reset_required"] = flow.reset_required;
  object["reset_proved_ways"] = flow.reset_proved_ways;
  object["reset_proved_methods"] = flow.reset_proved_methods;
  object["reset_way"] = flow.reset_way;
  if (!flow.continuation.empty()) object["continuation"] = flow.continuation;
  if (!flow.app.empty()) object["app"] = flow.app;
  if (flow.mfa_demanded) object["mfa_demanded"] = true;
  std::string text = json::serialize(object);
  SecretBytes bytes = SecretBytes::from_string(text);
  wipe_string(text);
  if (auto it = object.find("state"); it != object.end()) {
    json::string& state = it->value().as_string();
    wipe_memory(state.data(), state.size());
  }
  return bytes;
}

Result<SignInFlow> decode_flow(const SecretBytes& bytes) {
  try {
    const json::object object = json::parse(bytes.view()).as_object();
    auto text = [&](const char* key) -> std::string {
      const auto* value = object.if_contains(key);
      return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
    };
    auto number = [&](const char* key) -> std::int64_t {
      const auto* value = object.if_contains(key);
      return value != nullptr && value->is_int64() ? value->as_int64() : 0;
    };
    auto flag = [&](const char* key) -> bool {
      const auto* value = object.if_contains(key);
      return value != nullptr && value->is_bool() && value->as_bool();
    };
    auto secret = [&]() -> Result<SecretBytes> {
      std::string hex = text("state");
      auto decoded = from_hex(hex);
      wipe_string(hex);
      if (!decoded.ok()) return data_loss("a stored sign-in flow is damaged");
      SecretBytes out(*decoded);
      wipe_memory(decoded->data(), decoded->size());
      return out;
    };
    SignInFlow flow;
    // A flow without a known kind (e.g. written before kinds existed) is not trusted as either.
    if (number("codec") != kCodecVersion) {
      return data_loss("a stored sign-in flow was written by another version");
    }
    const std::string kind = text("flow");
    if (kind == "sign_in") {
      flow.kind = FlowKind::sign_in;
    } else if (kind == "add_method") {
      flow.kind = FlowKind::add_method;
    } else if (kind == "step_up") {
      flow.kind = FlowKind::step_up;
    } else if (kind == "password_reset") {
      flow.kind = FlowKind::password_reset;
    } else {
      return data_loss("a stored sign-in flow has an unknown kind");
    }
    const std::string name = text("step");
    const std::string user = text("user");
    if (name == "username") {
      flow.step = step::EnterUsername{};
    } else if (name == "password") {
      flow.step = step::EnterPassword{text("upn")};
    } else if (name == "update_password") {
      flow.step = step::UpdatePassword{user};
    } else if (name == "more_information") {
      flow.step = step::MoreInformationRequired{user, flag("skippable")};
    } else if (name == "choose_method") {
      flow.step = step::ChooseMethod{user};
    } else if (name == "registering" && !text("stage").empty()) {
      TESSERA_ASSIGN_OR_RETURN(SecretBytes s, secret());
      flow.step =
          step::Registering{user, text("kind"), text("stage"), std::move(s), text("delivery")};
    } else if (name == "challenging" && !text("stage").empty()) {
      TESSERA_ASSIGN_OR_RETURN(SecretBytes s, secret());
      flow.step = step::Challenging{user,          text("method"), text("kind"),
                                    text("stage"), std::move(s),   text("delivery")};
    } else if (name == "keep_account_secure") {
      flow.step = step::KeepAccountSecure{user, flag("skippable")};
    } else if (name == "reset_choose") {
      flow.step = step::ResetChooseProof{text("upn"), user};
    } else if (name == "reset_password") {
      flow.step = step::ResetNewPassword{user};
    } else if (name == "reset_done") {
      flow.step = step::ResetDone{};
    } else if (name == "stay_signed_in") {
      flow.step = step::StaySignedIn{user};
    } else if (name == "signed_in") {
      flow.step = step::SignedIn{user, flag("persistent"), flag("remember_device")};
    } else {
      return data_loss("a stored sign-in flow has an unknown step");
    }
    flow.started_at = from_unix_seconds(number("started_at"));
    flow.expires_at = from_unix_seconds(number("expires_at"));
    const std::int64_t notice = number("notice");
    flow.notice = notice >= 0 && notice <= 2 ? static_cast<SignInFlow::Notice>(notice)
                                             : SignInFlow::Notice::none;
    flow.wrong_codes = static_cast<int>(number("wrong_codes"));
    flow.mfa_required = flag("mfa_required");
    flow.decided_by = text("decided_by");
    flow.method_used = text("method_used");
    flow.method_amr = text("method_amr");
    flow.registered_in_flow = flag("registered_in_flow");
    flow.security_version = number("security_version");
    flow.replaces = text("replaces");
    const std::int64_t remember_days = number("remember_days");
    flow.remember_days =
        remember_days >= 0 && remember_days <= 365 ? static_cast<int>(remember_days) : 0;
    flow.reset_info_needed = flag("reset_info_needed");
    flow.reset_info_skippable = flag("reset_info_skippable");
    flow.reset_info_done = flag("reset_info_done");
    flow.registering_reset_info = flag("registering_reset_info");
    flow.reset_required = number("reset_required") == 2 ? 2 : 1;
    flow.reset_proved_ways = text("reset_proved_ways");
    flow.reset_proved_methods = text("reset_proved_methods");
    flow.reset_way = text("reset_way");
    flow.continuation = text("continuation");
    flow.app = text("app");
    flow.mfa_demanded = flag("mfa_demanded");
    return flow;
  } catch (const std::exception&) {
    return data_loss("a stored sign-in flow is damaged");
  }
}

}  // namespace tessera

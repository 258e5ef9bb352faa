#include "http/pages/delivery_routes.h"

#include "base/log.h"
#include "crypto/twilio_signature.h"
#include "http/pages/csrf.h"
#include "http/pages/render.h"
#include "notify/twilio/voice_twiml.h"
#include "service/deliveries.h"
#include "service/delivery_dispatcher.h"

namespace tessera {
namespace {

constexpr const char* kEnded = "This call is no longer needed. Goodbye.";
// The outbox's forms are bound to this instead of a flow or a session.
constexpr const char* kOutboxCsrfBinding = "dev outbox";

Response twiml(std::string document) {
  Response response;
  response.body = std::move(document);
  response.set_header("Content-Type", "text/xml; charset=utf-8");
  response.set_header("Cache-Control", "no-store");
  return response;
}

bool signed_by_gateway(const Request& request, const DeliveryRoutesContext& context) {
  if (context.auth_token.empty()) return false;
  const auto presented = request.header("x-twilio-signature");
  if (!presented) return false;
  return twilio_signature_valid(context.auth_token.view(), context.public_url + request.target,
                                parse_urlencoded_pairs(request.body), *presented);
}

std::string_view answered_words(CallAnswer answer) {
  switch (answer) {
    case CallAnswer::approved:
      return "Thank you. You can go back to your screen now. Goodbye.";
    case CallAnswer::fraud_reported:
      return "Thank you. Your report has been received. Goodbye.";
    case CallAnswer::denied:
    case CallAnswer::none:
      break;
  }
  return "The sign-in was not approved. Goodbye.";
}

// Records what was pressed on the call `id` (once); whether it was recorded. 0# on a call that
// reports no fraud (a registration's) is recorded as declined.
Result<bool> record_answer(DeliveryRoutesContext& context, const std::string& id,
                           CallAnswer& answer) {
  if (answer == CallAnswer::fraud_reported) {
    auto call = context.store.find_delivery(id);
    if (!call.ok() && call.status().code() != ErrorCode::not_found) return call.status();
    if (call.ok() && !call->reports_fraud) answer = CallAnswer::denied;
  }
  TESSERA_ASSIGN_OR_RETURN(bool recorded,
                           context.store.answer_call(id, answer, context.clock.now()));
  if (recorded) {
    log_event(answer == CallAnswer::fraud_reported ? LogLevel::warn : LogLevel::info,
              "call_answered", {{"answer", to_string(answer)}});
  }
  if (recorded && answer == CallAnswer::fraud_reported && context.fraud_reports != nullptr) {
    // 0#: whoever took the call did not start the sign-in that asked for it.
    TESSERA_ASSIGN_OR_RETURN(Delivery call, context.store.find_delivery(id));
    Status reported = context.fraud_reports->report(call.user_id, "call", "");
    if (!reported.ok() && reported.code() != ErrorCode::not_found) return reported;
  }
  return recorded;
}

Response forbidden() {
  Response response = Response::text(403, "The signature of this request is not valid.\n");
  return response;
}

std::string channel_name(DeliveryChannel channel) {
  switch (channel) {
    case DeliveryChannel::text:
      return "Text message";
    case DeliveryChannel::call:
      return "Phone call";
    case DeliveryChannel::email:
      return "Email";
  }
  return "Message";
}

Response outbox_page(DeliveryRoutesContext& context, std::string notice = "") {
  PageData data;
  PageData list = page_list();
  const std::string csrf = csrf_token(context.csrf_key, kOutboxCsrfBinding);
  for (const OutboxEntry& entry : context.outbox->entries()) {
    PageData item;
    item.set("number", std::to_string(entry.number));
    item.set("channel", channel_name(entry.channel));
    item.set("to", entry.to);
    if (!entry.subject.empty()) item.set("subject", entry.subject);
    item.set("text", entry.text);
    if (entry.channel == DeliveryChannel::call && !entry.delivery_id.empty()) {
      item.set("call", page_flag(true));
      item.set("delivery", entry.delivery_id);
      item.set("csrf", csrf);
    }
    list.push_back(item);
  }
  data.set("messages", list);
  data.set("empty", page_flag(list.is_empty_list()));
  if (!notice.empty()) data.set("notice", notice);
  return render_page(200, "dev_outbox", "Dev outbox", std::move(data), context.tenant_name);
}

}  // namespace

void add_delivery_routes(Router& router, DeliveryRoutesContext& context) {
  router.add(
      HttpMethod::post, "/voice/call/{id}",
      [&context](const Request& request) -> Response {
        if (!signed_by_gateway(request, context)) return forbidden();
        const std::string& id = request.path_param("id");
        auto delivery = context.store.find_delivery(id);
        if (!delivery.ok() || delivery->channel != DeliveryChannel::call ||
            delivery->status != DeliveryStatus::sent || delivery->answer != CallAnswer::none) {
          return twiml(say_and_hang_up_twiml(kEnded));
        }
        auto message = decode_content(delivery->channel, delivery->destination, delivery->content);
        if (!message.ok()) return twiml(say_and_hang_up_twiml(kEnded));
        return twiml(gather_answer_twiml(message->text.view(),
                                         call_webhook_url(context.public_url, id) + "/answer"));
      },
      Dispatch::blocking);
  router.add(
      HttpMethod::post, "/voice/call/{id}/answer",
      [&context](const Request& request) -> Response {
        if (!signed_by_gateway(request, context)) return forbidden();
        CallAnswer answer = call_answer(request.form_field("Digits"));
        auto recorded = record_answer(context, request.path_param("id"), answer);
        if (!recorded.ok() || !*recorded) return twiml(say_and_hang_up_twiml(kEnded));
        return twiml(say_and_hang_up_twiml(answered_words(answer)));
      },
      Dispatch::blocking);

  if (context.outbox == nullptr) return;
  router.add(
      HttpMethod::get, "/dev/outbox", [&context](const Request&) { return outbox_page(context); },
      Dispatch::blocking);
  router.add(
      HttpMethod::post, "/dev/outbox/answer",
      [&context](const Request& request) -> Response {
        if (!csrf_valid(context.csrf_key, kOutboxCsrfBinding, request.form_field("csrf"))) {
          return Response::text(403, "This form has expired. Reload the outbox.\n");
        }
        // The buttons press what a person would press on the phone: "#", or "0" then "#".
        const std::string& keys = request.form_field("keys");
        CallAnswer answer = call_answer(keys == "0#" ? "0" : keys);
        auto recorded = record_answer(context, request.form_field("delivery"), answer);
        if (!recorded.ok()) return outbox_page(context, "That didn't work. Try again.");
        return outbox_page(context, *recorded ? std::string(answered_words(answer))
                                              : "That call was answered already or has ended.");
      },
      Dispatch::blocking);
}

}  // namespace tessera

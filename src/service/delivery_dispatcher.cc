#include "service/delivery_dispatcher.h"

#include "base/log.h"
#include "methods/phone_number.h"

namespace tessera {
namespace {

// Logs name the destination without giving it away.
std::string masked(const Delivery& delivery) {
  if (delivery.channel != DeliveryChannel::email) return masked_phone(delivery.destination);
  const auto at = delivery.destination.find('@');
  if (at == std::string::npos || at == 0) return "***";
  return delivery.destination.substr(0, 1) + "***" + delivery.destination.substr(at);
}

}  // namespace

std::string call_webhook_url(std::string_view public_url, std::string_view delivery_id) {
  std::string base(public_url);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base + "/voice/call/" + std::string(delivery_id);
}

DeliveryDispatcher::DeliveryDispatcher(Store& store, const Clock& clock, Gateways gateways,
                                       DispatchSettings settings)
    : store_(store), clock_(clock), gateways_(gateways), settings_(std::move(settings)) {}

DeliveryDispatcher::~DeliveryDispatcher() {
  stop();
}

void DeliveryDispatcher::start() {
  std::lock_guard lock(mutex_);
  stopping_ = false;
  for (int i = 0; i < std::max(1, settings_.workers); ++i)
    threads_.emplace_back([this] { run(); });
}

void DeliveryDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  for (std::thread& thread : threads_)
    thread.join();
  threads_.clear();
}

void DeliveryDispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    ++pending_wakes_;
  }
  wakeup_.notify_one();
}

void DeliveryDispatcher::drain() {
  while (send_one()) {
  }
}

void DeliveryDispatcher::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wakeup_.wait_for(lock, settings_.poll_interval,
                       [this] { return stopping_ || pending_wakes_ > 0; });
      if (stopping_) return;
      if (pending_wakes_ > 0) --pending_wakes_;
    }
    while (send_one()) {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
  }
}

bool DeliveryDispatcher::send_one() {
  const Timestamp now = clock_.now();
  auto claimed = store_.claim_delivery(now, now - settings_.stale_after);
  if (!claimed.ok()) {
    const std::string error = claimed.status().to_string();
    log_event(LogLevel::error, "delivery_claim_failed", {{"error", error}});
    return false;
  }
  if (!*claimed) return false;
  Delivery delivery = std::move(**claimed);
  Result<SendReceipt> receipt = send(delivery);
  auto backoff = settings_.retry_backoff;
  for (int tries = 1; !receipt.ok() && receipt.status().code() == ErrorCode::unavailable &&
                      tries < settings_.tries;
       ++tries) {
    const std::string id = delivery.id.substr(0, 8);
    log_event(LogLevel::warn, "delivery_retry",
              {{"id", id},
               {"channel", to_string(delivery.channel)},
               {"error", receipt.status().message()}});
    {
      std::unique_lock lock(mutex_);
      if (wakeup_.wait_for(lock, backoff, [this] { return stopping_; })) break;
    }
    backoff *= 2;
    receipt = send(delivery);
  }
  const bool sent = receipt.ok();
  // A call still has to say its words when the gateway fetches them.
  const bool keep = sent && delivery.channel == DeliveryChannel::call;
  const auto finished = store_.finish_delivery(
      delivery.id, sent ? DeliveryStatus::sent : DeliveryStatus::failed,
      sent ? receipt->provider_id : "", sent ? "" : receipt.status().message(), keep, clock_.now());
  if (!finished.ok()) {
    const std::string error = finished.status().to_string();
    log_event(LogLevel::error, "delivery_record_failed", {{"error", error}});
  }
  if (sent) {
    const std::string to = masked(delivery);
    log_event(LogLevel::info, "delivery_sent",
              {{"channel", to_string(delivery.channel)}, {"to", to}});
  } else {
    const std::string to = masked(delivery);
    const std::string error = receipt.status().to_string();
    log_event(LogLevel::warn, "delivery_failed",
              {{"channel", to_string(delivery.channel)}, {"to", to}, {"error", error}});
  }
  return true;
}

Result<SendReceipt> DeliveryDispatcher::send(const Delivery& delivery) {
  TESSERA_ASSIGN_OR_RETURN(
      Outgoing message, decode_content(delivery.channel, delivery.destination, delivery.content));
  switch (delivery.channel) {
    case DeliveryChannel::text:
      if (gateways_.texts == nullptr) return failed_precondition("no text gateway is configured");
      return gateways_.texts->send_text(TextMessage{message.to, std::move(message.text)});
    case DeliveryChannel::call:
      if (gateways_.calls == nullptr) return failed_precondition("no voice gateway is configured");
      return gateways_.calls->place_call(
          VoiceCall{message.to, call_webhook_url(settings_.public_url, delivery.id),
                    std::move(message.text), delivery.id});
    case DeliveryChannel::email:
      if (gateways_.mail == nullptr) return failed_precondition("no mail server is configured");
      return gateways_.mail->send_email(EmailMessage{
          message.to, message.subject, std::move(message.text), std::move(message.html)});
  }
  return internal_error("unknown delivery channel");  // NOLINT: every channel returns above
}

}  // namespace tessera

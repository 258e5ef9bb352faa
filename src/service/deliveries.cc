#include "service/deliveries.h"

#include <algorithm>

#include <boost/json.hpp>

#include "base/ids.h"
#include "methods/phone_number.h"
#include "service/throttles.h"

namespace tessera {
namespace json = boost::json;

Result<std::variant<std::string, SendRefusal>> DeliveryQueue::queue(Store& tx, Rng& rng,
                                                                    const std::string& user_id,
                                                                    const Outgoing& message,
                                                                    Timestamp now,
                                                                    Cause cause) const {
  if (message.channel != DeliveryChannel::email) {
    TESSERA_ASSIGN_OR_RETURN(const OrgPolicy policy, tx.load_policy());
    const auto& allowed = policy.phone_country_codes;
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), calling_code_of(message.to)) == allowed.end()) {
      return std::variant<std::string, SendRefusal>(SendRefusal::country_not_allowed);
    }
  }
  // Both counters count every request, so a refused one also uses up the window.
  if (cause == Cause::asked) {
    TESSERA_ASSIGN_OR_RETURN(
        std::optional<CountedAttempt> by_user,
        tx.count_attempt(throttles::user_sends(user_id), now, throttles::send_rule()));
    TESSERA_ASSIGN_OR_RETURN(
        std::optional<CountedAttempt> to_destination,
        tx.count_attempt(throttles::destination_sends(message.to), now, throttles::send_rule()));
    if (!by_user || !to_destination || by_user->count > kMaxSendsPerWindow ||
        to_destination->count > kMaxSendsPerWindow) {
      return std::variant<std::string, SendRefusal>(SendRefusal::too_many_sends);
    }
  }
  TESSERA_ASSIGN_OR_RETURN(const std::size_t unsent, tx.count_unsent_deliveries());
  if (unsent >= limit_) return std::variant<std::string, SendRefusal>(SendRefusal::queue_full);
  Delivery delivery;
  delivery.id = new_id(rng) + new_id(rng);  // in a call's webhook URL: unguessable
  delivery.channel = message.channel;
  delivery.destination = message.to;
  delivery.user_id = user_id;
  delivery.content = encode_content(message);
  delivery.reports_fraud = message.reports_fraud;
  delivery.created_at = now;
  delivery.updated_at = now;
  TESSERA_RETURN_IF_ERROR(tx.add_delivery(delivery));
  return std::variant<std::string, SendRefusal>(delivery.id);
}

void DeliveryQueue::wake() const {
  if (DeliveryWaker* waker = waker_.load(); waker != nullptr) waker->wake();
}

Result<std::optional<DeliveryOutcome>> delivery_outcome(Store& store, const std::string& id) {
  if (id.empty()) return std::optional<DeliveryOutcome>();
  auto found = store.find_delivery(id);
  if (!found.ok()) {
    if (found.status().code() == ErrorCode::not_found) return std::optional<DeliveryOutcome>();
    return found.status();
  }
  return std::optional<DeliveryOutcome>(DeliveryOutcome{found->status, found->answer});
}

SecretBytes encode_content(const Outgoing& message) {
  json::object object;
  object["subject"] = message.subject;
  object["text"] = message.text.view();
  object["html"] = message.html.view();
  std::string text = json::serialize(object);
  SecretBytes bytes = SecretBytes::from_string(text);
  wipe_string(text);
  for (const char* key : {"text", "html"}) {
    json::string& part = object[key].as_string();
    wipe_memory(part.data(), part.size());
  }
  return bytes;
}

Result<Outgoing> decode_content(DeliveryChannel channel, const std::string& to,
                                const SecretBytes& content) {
  Outgoing message;
  message.channel = channel;
  message.to = to;
  if (content.empty()) return message;
  try {
    json::object object = json::parse(content.view()).as_object();
    auto take = [&](const char* key) {
      json::string& part = object.at(key).as_string();
      SecretBytes out = SecretBytes::from_string(std::string_view(part.data(), part.size()));
      wipe_memory(part.data(), part.size());
      return out;
    };
    message.subject = std::string(object.at("subject").as_string());
    message.text = take("text");
    message.html = take("html");
    return message;
  } catch (const std::exception&) {
    return data_loss("a queued message is damaged");
  }
}

}  // namespace tessera

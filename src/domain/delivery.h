// A message tessera sends through a gateway (DESIGN.md section 4, "Delivery"): a text, a call or
// an email, queued in the store with the change that asked for it (so a committed sign-in step
// never loses its message, and any node may send it), then sent off the request threads.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/secret_bytes.h"

namespace tessera {

enum class DeliveryChannel { text = 0, call = 1, email = 2 };
enum class DeliveryStatus {
  queued = 0,   // waiting for a sender
  sending = 1,  // claimed by a sender (a sender that died leaves it to be claimed again)
  sent = 2,     // the gateway took it
  failed = 3,   // given up: every try failed, or the gateway refused it
};
// What the person who took a call pressed (calls only; none until the call was answered).
enum class CallAnswer { none = 0, approved = 1, fraud_reported = 2, denied = 3 };

std::string_view to_string(DeliveryChannel channel);
std::string_view to_string(DeliveryStatus status);
std::string_view to_string(CallAnswer answer);

inline constexpr std::size_t kMaxDeliveryErrorLength = 200;

struct Delivery {
  std::string id;  // random and unguessable: a call's webhook URL names it
  DeliveryChannel channel = DeliveryChannel::text;
  std::string destination;  // E.164 number or email address
  std::string user_id;      // whose sign-in or registration asked for it
  // What is sent (a text's body with its code, an email's parts, what a call says), encoded by
  // the sender. Sealed with AEAD by the store; emptied once it is no longer needed.
  SecretBytes content;
  DeliveryStatus status = DeliveryStatus::queued;
  int attempts = 0;         // tries so far
  std::string last_error;   // the last try's error (never a secret), ≤ kMaxDeliveryErrorLength
  std::string provider_id;  // the gateway's id for it (Twilio's SID)
  CallAnswer answer = CallAnswer::none;
  // A call: whether 0# reports fraud (a sign-in's call), or only declines (a registration's).
  bool reports_fraud = true;
  Timestamp created_at{};
  Timestamp updated_at{};
};

}  // namespace tessera

#include "domain/delivery.h"

namespace tessera {

std::string_view to_string(DeliveryChannel channel) {
  switch (channel) {
    case DeliveryChannel::text:
      return "text";
    case DeliveryChannel::call:
      return "call";
    case DeliveryChannel::email:
      return "email";
  }
  return "unknown";
}

std::string_view to_string(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::queued:
      return "queued";
    case DeliveryStatus::sending:
      return "sending";
    case DeliveryStatus::sent:
      return "sent";
    case DeliveryStatus::failed:
      return "failed";
  }
  return "unknown";
}

std::string_view to_string(CallAnswer answer) {
  switch (answer) {
    case CallAnswer::none:
      return "none";
    case CallAnswer::approved:
      return "approved";
    case CallAnswer::fraud_reported:
      return "fraud_reported";
    case CallAnswer::denied:
      return "denied";
  }
  return "unknown";
}

}  // namespace tessera

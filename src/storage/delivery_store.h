// The delivery queue (domain/delivery.h): messages waiting for a sender, and what became of the
// ones sent. Part of the Store (storage/store.h), whose contracts apply; Delivery::content is a
// secret (sealed, associated data = table and row id).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "domain/delivery.h"

namespace tessera {

class DeliveryStore {
 public:
  virtual ~DeliveryStore() = default;

  // Queues `delivery` as given (status queued, attempts 0); already_exists for a taken id.
  virtual Status add_delivery(const Delivery& delivery) = 0;
  // Deliveries queued or being sent: what the queue's bound counts.
  virtual Result<std::size_t> count_unsent_deliveries() = 0;
  // Hands one delivery to a sender: the oldest queued, or one left `sending` since before
  // `stale_before` (its sender died). It becomes `sending`, with attempts + 1 and updated_at =
  // `now`. Atomic: of senders claiming at once (on any node) each gets a different one.
  virtual Result<std::optional<Delivery>> claim_delivery(Timestamp now, Timestamp stale_before) = 0;
  virtual Result<Delivery> find_delivery(std::string_view id) = 0;  // not_found
  // The end of a claimed delivery's sending: `sent` or `failed`, with the gateway's id and the
  // last error. Its content is emptied, unless `keep_content` (a call still to be answered needs
  // what it says). Only a delivery that is `sending` changes (false otherwise).
  virtual Result<bool> finish_delivery(std::string_view id, DeliveryStatus status,
                                       std::string_view provider_id, std::string_view error,
                                       bool keep_content, Timestamp now) = 0;
  // Records what was pressed on a sent call (once: false if the delivery is no call, is not sent
  // or was answered already) and empties its content.
  virtual Result<bool> answer_call(std::string_view id, CallAnswer answer, Timestamp now) = 0;
  // Forgets deliveries created before `cutoff`; how many.
  virtual Result<std::size_t> delete_deliveries_before(Timestamp cutoff) = 0;
};

}  // namespace tessera

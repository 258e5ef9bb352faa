// Queueing what a method asks to send (methods/sign_in_method.h, Outgoing) and reading back what
// became of it. A delivery is queued inside the transaction that moves a flow to the stage that
// sent it, so a committed step never lacks its message and a rolled-back one sends nothing; the
// DeliveryDispatcher sends it afterwards, on any node.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "base/result.h"
#include "base/rng.h"
#include "methods/sign_in_method.h"
#include "storage/store.h"

namespace tessera {

inline constexpr std::size_t kDefaultDeliveryQueueLimit = 1000;

// Why a message was not queued.
enum class SendRefusal {
  too_many_sends,       // the user's or the destination's kMaxSendsPerWindow (toll fraud)
  queue_full,           // the queue holds its limit of unsent messages (a dead gateway)
  country_not_allowed,  // a number outside the policy's phone_country_codes
};

// Where the queue's senders are woken (the dispatcher of this node); thread-safe.
class DeliveryWaker {
 public:
  virtual ~DeliveryWaker() = default;
  virtual void wake() = 0;
};

class DeliveryQueue {
 public:
  explicit DeliveryQueue(std::size_t limit = kDefaultDeliveryQueueLimit) : limit_(limit) {}

  // Who caused a send: the person asked for a code or call (counted against the send limits), or
  // a change of their security info sends a notice to their other methods (not counted: it needs
  // a fresh proof, and at most one goes to each method).
  enum class Cause { asked, notice };

  // In `tx`: checks a number's country against the policy, counts an asked-for send against the
  // user and the destination, checks the queue's bound and adds the delivery. Its id, or why not.
  Result<std::variant<std::string, SendRefusal>> queue(Store& tx, Rng& rng,
                                                       const std::string& user_id,
                                                       const Outgoing& message, Timestamp now,
                                                       Cause cause = Cause::asked) const;
  // After the commit: wakes the senders (if a waker was set).
  void wake() const;
  void set_waker(DeliveryWaker* waker) { waker_.store(waker); }

 private:
  std::size_t limit_;
  std::atomic<DeliveryWaker*> waker_{nullptr};
};

// The outcome a method sees of delivery `id` (nullopt when there is no such delivery).
Result<std::optional<DeliveryOutcome>> delivery_outcome(Store& store, const std::string& id);

// A message's parts as the store keeps them (Delivery::content), and back.
SecretBytes encode_content(const Outgoing& message);
Result<Outgoing> decode_content(DeliveryChannel channel, const std::string& to,
                                const SecretBytes& content);

}  // namespace tessera

// The senders of the delivery queue (service/deliveries.h): a few threads of their own that claim
// queued deliveries from the store (any node's), hand each to its gateway with retries, and record
// what became of it. Request threads never wait on a gateway: a slow or dead one only delays its
// own messages, and at worst fills the queue's bound, which refuses further sends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "notify/sender.h"
#include "service/deliveries.h"
#include "storage/store.h"

namespace tessera {

struct DispatchSettings {
  int workers = 2;
  int tries = 3;  // per message, while the gateway's error is worth another try (unavailable)
  std::chrono::milliseconds retry_backoff{1000};  // before the second try; doubles after
  // A delivery claimed this long ago and still `sending` lost its sender (a node died): it is
  // claimed again.
  std::chrono::seconds stale_after{120};
  // How often idle senders look for deliveries queued by other nodes.
  std::chrono::milliseconds poll_interval{1000};
  // `[server] public_url`: calls fetch their TwiML from {public_url}/voice/call/{id}.
  std::string public_url;
};

// The gateways, each optional: a message for a missing one fails ("not configured").
struct Gateways {
  TextSender* texts = nullptr;
  VoiceCaller* calls = nullptr;
  Mailer* mail = nullptr;
};

// The URL a call's gateway fetches its TwiML from.
std::string call_webhook_url(std::string_view public_url, std::string_view delivery_id);

class DeliveryDispatcher final : public DeliveryWaker {
 public:
  DeliveryDispatcher(Store& store, const Clock& clock, Gateways gateways,
                     DispatchSettings settings);
  ~DeliveryDispatcher() override;

  void start();  // the sender threads
  void stop();   // waits for them; a message being sent is finished first
  void wake() override;
  // Sends what is queued on the calling thread until nothing is (tests, and `start` not called).
  void drain();

 private:
  void run();
  // Claims and sends one delivery; false when none was waiting.
  bool send_one();
  Result<SendReceipt> send(const Delivery& delivery);

  Store& store_;
  const Clock& clock_;
  Gateways gateways_;
  DispatchSettings settings_;
  std::mutex mutex_;
  std::condition_variable wakeup_;
  int pending_wakes_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tessera

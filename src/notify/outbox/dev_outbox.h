// The dev outbox ([delivery] dev_outbox, on in the `make run` demo only): records every text, call
// and email tessera sends, newest first, for /dev/outbox to show, so a person trying tessera on
// one machine sees the whole journey. A message goes on to the real gateway when one is given;
// without one it is only recorded and nothing leaves the machine. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "domain/delivery.h"
#include "notify/sender.h"

namespace tessera {

inline constexpr std::size_t kDevOutboxCapacity = 100;

struct OutboxEntry {
  std::int64_t number = 0;  // 1, 2, … in the order recorded
  DeliveryChannel channel = DeliveryChannel::text;
  std::string to;
  std::string subject;      // email
  std::string text;         // a text's body, an email's text part, what a call says
  std::string html;         // email
  std::string delivery_id;  // calls: the delivery the outbox's "Press #" answers
};

class DevOutbox final : public TextSender, public VoiceCaller, public Mailer {
 public:
  // Each gateway may be null (record only).
  DevOutbox(TextSender* texts, VoiceCaller* calls, Mailer* mail)
      : texts_(texts), calls_(calls), mail_(mail) {}
  ~DevOutbox() override;

  Result<SendReceipt> send_text(const TextMessage& message) override;
  Result<SendReceipt> place_call(const VoiceCall& call) override;
  Result<SendReceipt> send_email(const EmailMessage& message) override;

  // The latest kDevOutboxCapacity messages, newest first.
  std::vector<OutboxEntry> entries() const;

 private:
  std::string record(OutboxEntry entry);  // its receipt id

  TextSender* texts_;
  VoiceCaller* calls_;
  Mailer* mail_;
  mutable std::mutex mutex_;
  std::deque<OutboxEntry> entries_;
  std::int64_t next_number_ = 1;
};

}  // namespace tessera

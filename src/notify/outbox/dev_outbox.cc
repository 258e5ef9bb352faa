#include "notify/outbox/dev_outbox.h"

namespace tessera {
namespace {

void wipe(OutboxEntry& entry) {
  wipe_string(entry.text);
  wipe_string(entry.html);
}

}  // namespace

DevOutbox::~DevOutbox() {
  for (OutboxEntry& entry : entries_)
    wipe(entry);
}

std::string DevOutbox::record(OutboxEntry entry) {
  std::lock_guard lock(mutex_);
  entry.number = next_number_++;
  const std::string id = "outbox-" + std::to_string(entry.number);
  entries_.push_front(std::move(entry));
  while (entries_.size() > kDevOutboxCapacity) {
    wipe(entries_.back());
    entries_.pop_back();
  }
  return id;
}

Result<SendReceipt> DevOutbox::send_text(const TextMessage& message) {
  OutboxEntry entry;
  entry.channel = DeliveryChannel::text;
  entry.to = message.to;
  entry.text = std::string(message.body.view());
  std::string id = record(std::move(entry));
  if (texts_ != nullptr) return texts_->send_text(message);
  return SendReceipt{std::move(id)};
}

Result<SendReceipt> DevOutbox::place_call(const VoiceCall& call) {
  OutboxEntry entry;
  entry.channel = DeliveryChannel::call;
  entry.to = call.to;
  entry.text = std::string(call.spoken.view());
  entry.delivery_id = call.delivery_id;
  std::string id = record(std::move(entry));
  if (calls_ != nullptr) return calls_->place_call(call);
  return SendReceipt{std::move(id)};
}

Result<SendReceipt> DevOutbox::send_email(const EmailMessage& message) {
  OutboxEntry entry;
  entry.channel = DeliveryChannel::email;
  entry.to = message.to;
  entry.subject = message.subject;
  entry.text = std::string(message.text.view());
  entry.html = std::string(message.html.view());
  std::string id = record(std::move(entry));
  if (mail_ != nullptr) return mail_->send_email(message);
  return SendReceipt{std::move(id)};
}

std::vector<OutboxEntry> DevOutbox::entries() const {
  std::lock_guard lock(mutex_);
  return {entries_.begin(), entries_.end()};
}

}  // namespace tessera

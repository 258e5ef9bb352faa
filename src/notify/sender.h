// What the delivery layer asks of a gateway (DESIGN.md section 6: SmsSender, VoiceCaller, Mailer).
// Implementations: twilio/ (texts and calls), smtp/ (email), outbox/ (the dev outbox, which
// records instead of, or besides, sending). Blocking, bounded by the implementation's timeout;
// callers run them off the request threads. Thread-safe.
//
// Errors: unavailable when it is worth trying again (unreachable, timeout, a 5xx, a 4xx SMTP
// reply); invalid_argument when the gateway refused this message for good (a bad number, a
// rejected recipient), with the gateway's reason; anything else for a broken answer. Messages
// never contain a credential or a message's content.
#pragma once

#include <string>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace tessera {

struct TextMessage {
  std::string to;  // E.164
  SecretBytes body;
};

struct VoiceCall {
  std::string to;           // E.164
  std::string twiml_url;    // where the gateway fetches what the call says (tessera's webhook)
  SecretBytes spoken;       // what the call says, for recorders (the webhook says it to gateways)
  std::string delivery_id;  // the queued delivery it is (the dev outbox answers it by this)
};

struct EmailMessage {
  std::string to;  // one address
  std::string subject;
  SecretBytes text;  // text/plain part, UTF-8
  SecretBytes html;  // text/html part, UTF-8, no remote resources
};

// The gateway's id for what it took (Twilio's SID, the SMTP server's queue id if known).
struct SendReceipt {
  std::string provider_id;
};

class TextSender {
 public:
  virtual ~TextSender() = default;
  virtual Result<SendReceipt> send_text(const TextMessage& message) = 0;
};

class VoiceCaller {
 public:
  virtual ~VoiceCaller() = default;
  virtual Result<SendReceipt> place_call(const VoiceCall& call) = 0;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual Result<SendReceipt> send_email(const EmailMessage& message) = 0;
};

}  // namespace tessera

// Texts and calls through a Twilio-compatible REST API ([phone] in the configuration): POST
// {api_base_url}/2010-04-01/Accounts/{account_sid}/Messages.json (To, From, Body) and
// .../Calls.json (To, From, Url: where the gateway fetches the call's TwiML, with POST), HTTP Basic
// auth with the account SID and auth token, form-encoded, as Twilio documents. Blocking (libcurl,
// bounded by `timeout`); callers run it off the request threads. Thread-safe: each call uses its
// own handle.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"
#include "notify/sender.h"

namespace tessera {

struct TwilioSettings {
  std::string api_base_url = "https://api.twilio.com";  // no trailing slash needed
  std::string account_sid;
  SecretBytes auth_token;
  std::string from;  // E.164
  std::chrono::milliseconds timeout{10'000};
};

// The gateway's receipt: the message's or call's SID and its status ("queued", …).
struct GatewayReceipt {
  std::string sid;
  std::string status;
};

class TwilioClient {
 public:
  explicit TwilioClient(TwilioSettings settings);

  // Errors: unavailable when the gateway cannot be reached, times out or answers 5xx (worth a
  // retry); invalid_argument when it refuses the request (4xx), with Twilio's error code and
  // message; internal for an answer that is not Twilio's JSON. Never contains the auth token.
  Result<GatewayReceipt> send_text(std::string_view to, std::string_view body);
  Result<GatewayReceipt> place_call(std::string_view to, std::string_view twiml_url);

 private:
  Result<GatewayReceipt> post(std::string_view resource, std::string_view form);

  TwilioSettings settings_;
};

// The client as the delivery layer's text and voice gateway.
class TwilioGateway final : public TextSender, public VoiceCaller {
 public:
  explicit TwilioGateway(TwilioSettings settings) : client_(std::move(settings)) {}
  Result<SendReceipt> send_text(const TextMessage& message) override;
  Result<SendReceipt> place_call(const VoiceCall& call) override;

 private:
  TwilioClient client_;
};

}  // namespace tessera

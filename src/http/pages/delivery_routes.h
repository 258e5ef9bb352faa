// The routes of the delivery layer: the voice webhook a Twilio-compatible gateway calls while it
// calls a phone (POST /voice/call/{id} for what to say, POST /voice/call/{id}/answer for the key
// pressed, each signed with X-Twilio-Signature under the auth token: 403 otherwise), and the dev
// outbox (GET /dev/outbox, POST /dev/outbox/answer), only when it is on.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "http/router.h"
#include "notify/outbox/dev_outbox.h"
#include "service/fraud_reports.h"
#include "storage/store.h"

namespace tessera {

struct DeliveryRoutesContext {
  Store& store;
  const Clock& clock;
  std::string public_url;       // what the gateway signed the URL under (no trailing slash)
  SecretBytes auth_token;       // empty: no gateway, every webhook request is refused
  DevOutbox* outbox = nullptr;  // the dev outbox, when on
  SecretBytes csrf_key;
  std::string tenant_name;
  // Where a call answered with 0# is reported (null: recorded on the call only).
  FraudReports* fraud_reports = nullptr;
};

void add_delivery_routes(Router& router, DeliveryRoutesContext& context);

}  // namespace tessera

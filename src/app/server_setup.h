// Wires the HTTP server to the runtime: options from the configuration, the routes, and the
// pools the handlers run on. The composition root of the web side, as runtime.h is of the rest.
//
// Three pools, so that no kind of work can starve another (docs/architecture.md, "Threads"):
//   hashing   Argon2id only, one thread per core ([password_hashing] workers);
//   password  requests that hash (POST /signin/password, /signin/update-password): two threads
//             per hashing thread, so one of each pair hashes while the other waits on the
//             database, and a queue of [password_hashing] queue_limit; when it is full the
//             request is answered 503 at once with the "busy" page;
//   blocking  every other page that waits on the database.
// The hashing pool's queue holds every password-pool thread, so an admitted request never finds
// the hashing pool full: saturation shows at the password pool's door, before any work is done.
#pragma once

#include <memory>

#include "app/pooled_password_hashing.h"
#include "app/runtime.h"
#include "http/health.h"
#include "http/pages/delivery_routes.h"
#include "http/pages/web_context.h"
#include "http/router.h"
#include "http/server.h"
#include "http/worker_pool.h"
#include "notify/outbox/dev_outbox.h"
#include "notify/smtp/smtp_mailer.h"
#include "notify/twilio/twilio_client.h"
#include "oidc/forward_auth.h"
#include "oidc/provider.h"
#include "service/delivery_dispatcher.h"
#include "service/sign_in_service.h"

namespace tessera {

// The server's options from `config`, with max_connections lowered to what fits under
// `open_files_limit` (open_files.h).
ServerOptions server_options(const Config& config, std::uint64_t open_files_limit);

// Everything `tessera serve` runs. Members are declared in construction order.
class WebServer {
 public:
  // Fits the connections under the open files limit in force (`serve` raises it first) and logs
  // the limits chosen.
  explicit WebServer(Runtime& runtime);
  ~WebServer();
  // Checks the page templates, then accepts connections (on the port bound at construction).
  Status start();
  std::uint16_t port() const { return server_.port(); }
  HttpServer& server() { return server_; }

 private:
  Runtime& runtime_;
  WorkerPool hashing_pool_;
  WorkerPool password_pool_;
  WorkerPool blocking_pool_;
  PooledPasswordHashing hashing_;
  // Bound (not yet accepting) before anything else is wired, so that with port 0 the public URL
  // names the port chosen. Its router_ is declared below: it is only used once start() runs.
  HttpServer server_;
  Status bind_status_;
  // [server] public_url, or http://ADDRESS:PORT of the bound port: links in messages, the OIDC
  // issuer, the phone webhooks and forward auth's redirects.
  const std::string public_url_;
  // Delivery: the configured gateways (each may be absent), the dev outbox in front of them when
  // it is on, and the dispatcher that sends what the queue holds.
  std::unique_ptr<TwilioGateway> twilio_;
  std::unique_ptr<SmtpMailer> mailer_;
  std::unique_ptr<DevOutbox> outbox_;
  DeliveryDispatcher dispatcher_;
  DeliveryRoutesContext delivery_routes_;
  SignInService sign_in_;
  PasswordResetService password_reset_;
  OidcProvider oidc_;
  ForwardAuth forward_auth_;
  WebContext web_;
  HealthProbe health_;
  Router router_;
};

}  // namespace tessera

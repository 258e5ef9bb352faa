#include "app/server_setup.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "app/open_files.h"
#include "base/log.h"
#include "http/health.h"
#include "http/pages/cookies.h"
#include "http/pages/render.h"
#include "http/pages/web_routes.h"

namespace tessera {
namespace {

// Database waits are short but must not hold a hashing thread; a few threads cover the store's
// connection pool.
constexpr int kBlockingThreads = 8;
constexpr std::size_t kBlockingQueueLimit = 1024;
// A password request alternates database work and its hash; with two per hashing thread, one of
// each pair can hash while the other waits on the database, so hashing threads never idle.
constexpr int kPasswordThreadsPerHashingThread = 2;

int hashing_threads(const HashingConfig& hashing) {
  if (hashing.workers > 0) return hashing.workers;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int password_threads(const HashingConfig& hashing) {
  return kPasswordThreadsPerHashingThread * hashing_threads(hashing);
}

// A load balancer's probe gets its answer within this, whatever the database does.
constexpr std::chrono::milliseconds kLongestHealthWait{2000};

// Healthy means the database answers with the schema this binary runs on; a node that cannot reach
// it (or finds the schema gone, e.g. the SQLite file replaced) should leave the balancer.
Status database_health(Store& store) {
  TESSERA_ASSIGN_OR_RETURN(int version, store.schema_version());
  if (version < store.latest_schema_version()) {
    return failed_precondition("the database schema is at version " + std::to_string(version) +
                               ", not " + std::to_string(store.latest_schema_version()));
  }
  return Status();
}

std::chrono::milliseconds health_wait(const Config& config) {
  return std::min(kLongestHealthWait, config.storage.wait_timeout);
}

Router make_router(WebContext& web, HealthProbe& health, DeliveryRoutesContext& delivery) {
  Router router;
  add_web_routes(router, web);
  add_delivery_routes(router, delivery);
  add_health_route(router, health);
  return router;
}

// A configured setting, or the environment variable that may stand in for it (kept out of files).
std::string setting_or_environment(const std::string& setting, const char* variable) {
  const char* value = std::getenv(variable);
  if (value != nullptr && *value != '\0') return value;
  return setting;
}

std::unique_ptr<TwilioGateway> make_twilio(const Config& config) {
  if (config.phone.account_sid.empty()) return nullptr;
  TwilioSettings settings;
  settings.api_base_url = config.phone.api_base_url;
  settings.account_sid = config.phone.account_sid;
  settings.auth_token = SecretBytes::from_string(
      setting_or_environment(config.phone.auth_token, kPhoneAuthTokenEnvironmentVariable));
  settings.from = config.phone.from;
  settings.timeout = config.delivery.timeout;
  return std::make_unique<TwilioGateway>(std::move(settings));
}

std::unique_ptr<SmtpMailer> make_mailer(const Config& config, const Clock& clock, Rng& rng) {
  if (config.email.smtp_host.empty()) return nullptr;
  SmtpSettings settings;
  settings.host = config.email.smtp_host;
  settings.port = config.email.smtp_port;
  // validate() accepted only the three words.
  const auto security = parse_smtp_security(config.email.smtp_security);
  settings.security = security.ok() ? *security : SmtpSettings::Security::starttls;
  settings.username = config.email.smtp_username;
  settings.password = SecretBytes::from_string(
      setting_or_environment(config.email.smtp_password, kSmtpPasswordEnvironmentVariable));
  settings.from = config.email.from;
  settings.from_name = config.tenant_name;
  settings.timeout = config.delivery.timeout;
  return std::make_unique<SmtpMailer>(std::move(settings), clock, rng);
}

Gateways gateways(TwilioGateway* twilio, SmtpMailer* mailer, DevOutbox* outbox) {
  if (outbox != nullptr) return Gateways{outbox, outbox, outbox};
  return Gateways{twilio, twilio, mailer};
}

OidcSettings oidc_settings(const Config& config, const std::string& public_url) {
  return OidcSettings{public_url, config.oidc.access_token_lifetime, config.oidc.id_token_lifetime,
                      config.oidc.code_lifetime,
                      std::chrono::hours(24 * config.oidc.refresh_token_days)};
}

DispatchSettings dispatch_settings(const Config& config, const std::string& public_url) {
  DispatchSettings settings;
  settings.workers = config.delivery.workers;
  settings.tries = config.delivery.tries;
  settings.retry_backoff = config.delivery.retry_backoff;
  settings.public_url = public_url;
  return settings;
}

}  // namespace

ServerOptions server_options(const Config& full_config, std::uint64_t open_files_limit) {
  const ServerConfig& config = full_config.server;
  ServerOptions options;
  options.address = config.address;
  options.port = config.port;
  options.io_threads = config.io_threads;
  options.header_limit_bytes = config.header_limit_bytes;
  options.body_limit_bytes = config.body_limit_bytes;
  options.header_timeout = config.header_timeout;
  options.body_timeout = config.body_timeout;
  options.idle_timeout = config.idle_timeout;
  options.max_connections = connections_that_fit(full_config, open_files_limit);
  options.max_connections_per_client = config.max_connections_per_client;
  options.trusted_proxies = TrustedProxies(config.trusted_proxies);
  return options;
}

namespace {

// server_options() under the open files limit in force, logged: which connection limits apply,
// as a warning when the file limit lowered max_connections.
ServerOptions fitted_server_options(const Config& config) {
  const std::uint64_t limit = open_files_limit();
  ServerOptions options = server_options(config, limit);
  const std::string chosen = std::to_string(options.max_connections);
  const std::string configured = std::to_string(config.server.max_connections);
  const std::string per_client = std::to_string(options.max_connections_per_client);
  const std::string files = limit == UINT64_MAX ? "unlimited" : std::to_string(limit);
  const bool lowered = options.max_connections < config.server.max_connections;
  log_event(lowered ? LogLevel::warn : LogLevel::info, "http_connection_limits",
            {{"max_connections", chosen},
             {"configured_max_connections", configured},
             {"max_connections_per_client", per_client},
             {"open_files_limit", files}});
  return options;
}

}  // namespace

WebServer::WebServer(Runtime& runtime)
    : runtime_(runtime),
      hashing_pool_(hashing_threads(runtime.config().hashing),
                    static_cast<std::size_t>(password_threads(runtime.config().hashing))),
      password_pool_(password_threads(runtime.config().hashing),
                     runtime.config().hashing.queue_limit),
      blocking_pool_(kBlockingThreads, kBlockingQueueLimit),
      hashing_(runtime.hasher(), hashing_pool_),
      server_(fitted_server_options(runtime.config()), router_,
              HttpServer::Pools{hashing_pool_, &blocking_pool_, &password_pool_}),
      bind_status_(server_.bind()),
      public_url_(public_url_of(runtime.config(), server_.port())),
      twilio_(make_twilio(runtime.config())),
      mailer_(make_mailer(runtime.config(), runtime.clock(), runtime.rng())),
      outbox_(runtime.config().delivery.dev_outbox
                  ? std::make_unique<DevOutbox>(twilio_.get(), twilio_.get(), mailer_.get())
                  : nullptr),
      dispatcher_(runtime.store(), runtime.clock(),
                  gateways(twilio_.get(), mailer_.get(), outbox_.get()),
                  dispatch_settings(runtime.config(), public_url_)),
      delivery_routes_{runtime.store(),
                       runtime.clock(),
                       public_url_,
                       SecretBytes::from_string(setting_or_environment(
                           runtime.config().phone.auth_token, kPhoneAuthTokenEnvironmentVariable)),
                       outbox_.get(),
                       runtime.csrf_key(),
                       runtime.config().tenant_name,
                       &runtime.fraud_reports()},
      sign_in_(runtime.store(), runtime.methods(), hashing_, runtime.sessions(), runtime.clock(),
               runtime.rng(), runtime.name_key(),
               SignInSettings{runtime.config().server.sign_in_starts_per_network,
                              runtime.config().tenant_name, &runtime.deliveries(), public_url_}),
      password_reset_(runtime.store(), runtime.methods(), hashing_, runtime.clock(), runtime.rng(),
                      PasswordResetSettings{runtime.config().tenant_name, &runtime.deliveries(),
                                            runtime.config().server.sign_in_starts_per_network}),
      oidc_(runtime.store(), runtime.keys(), runtime.clients(), sign_in_, runtime.sessions(),
            runtime.clock(), runtime.rng(), oidc_settings(runtime.config(), public_url_)),
      forward_auth_(sign_in_, runtime.sessions(),
                    ForwardAuthSettings{public_url_, runtime.config().forward_auth.allowed_hosts,
                                        runtime.config().forward_auth.mfa_hosts}),
      web_{sign_in_,
           runtime.sessions(),
           runtime.security_info(),
           runtime.methods(),
           runtime.clock(),
           runtime.config().tenant_name,
           runtime.csrf_key(),
           runtime.fraud_reports(),
           password_reset_,
           &oidc_,
           forward_auth_.enabled() ? &forward_auth_ : nullptr},
      health_([&store = runtime.store()] { return database_health(store); },
              health_wait(runtime.config())),
      router_(make_router(web_, health_, delivery_routes_)) {}

}  // namespace tessera

namespace tessera {

WebServer::~WebServer() {
  // First, while the routes and services it calls into still exist (server_ outlives them).
  server_.stop();
  runtime_.deliveries().set_waker(nullptr);
  dispatcher_.stop();
}

Status WebServer::start() {
  TESSERA_RETURN_IF_ERROR(bind_status_);
  TESSERA_RETURN_IF_ERROR(check_page_templates());
  // The first signing keys are made (or due ones rotated) before the first request needs them.
  TESSERA_RETURN_IF_ERROR(runtime_.keys().ensure_keys());
  share_session_cookie_with(runtime_.config().server.cookie_domain);
  runtime_.deliveries().set_waker(&dispatcher_);
  dispatcher_.start();
  for (const SignInMethod* method : runtime_.methods().all()) {
    TESSERA_RETURN_IF_ERROR(
        check_templates(method->template_names(),
                        [method](std::string_view name) { return method->template_text(name); }));
  }
  return server_.start();
}

}  // namespace tessera

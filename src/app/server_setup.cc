#include "app/server_setup.h"

#include <algorithm>
#include <thread>

#include "app/open_files.h"
#include "base/log.h"
#include "http/health.h"
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

Router make_router(WebContext& web, HealthProbe& health) {
  Router router;
  add_web_routes(router, web);
  add_health_route(router, health);
  return router;
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
      sign_in_(runtime.store(), runtime.methods(), hashing_, runtime.sessions(), runtime.clock(),
               runtime.rng(), runtime.name_key(),
               SignInLimits{runtime.config().server.sign_in_starts_per_network}),
      web_{sign_in_,          runtime.sessions(), runtime.security_info(),
           runtime.methods(), runtime.clock(),    runtime.config().tenant_name,
           runtime.csrf_key()},
      health_([&store = runtime.store()] { return database_health(store); },
              health_wait(runtime.config())),
      router_(make_router(web_, health_)),
      server_(fitted_server_options(runtime.config()), router_,
              HttpServer::Pools{hashing_pool_, &blocking_pool_, &password_pool_}) {}

}  // namespace tessera

namespace tessera {

Status WebServer::start() {
  TESSERA_RETURN_IF_ERROR(check_page_templates());
  for (const SignInMethod* method : runtime_.methods().all()) {
    TESSERA_RETURN_IF_ERROR(
        check_templates(method->template_names(),
                        [method](std::string_view name) { return method->template_text(name); }));
  }
  return server_.start();
}

}  // namespace tessera

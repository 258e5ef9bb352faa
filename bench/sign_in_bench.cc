// End-to-end sign-in throughput through the HTTP server, against the Argon2id bound measured in
// the same run: `workers` threads hashing in a loop at the configured parameters, which is as fast
// as the server's password-hashing pool can possibly verify passwords.
//
// In-process: a temporary SQLite store and master key, the real WebServer on an ephemeral port,
// and `clients` threads each doing complete browser-like sign-ins back to back over keep-alive
// connections (GET /signin, POST /signin/username, POST /signin/password[, POST /signin/code]).
// A sign-in counts only when the final 303 with a tessera_session cookie arrives.
//
// Usage: tessera_sign_in_bench [--workers W] [--clients C] [--seconds D] [--bound-seconds B]
//                              [--totp-users N] [--dir DIR] [--json PATH]
// DIR (default /tmp) holds the temporary database and key; its file system matters, since SQLite
// runs with synchronous = FULL (an fsync per commit).
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "app/config.h"
#include "app/runtime.h"
#include "app/server_setup.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "crypto/master_key.h"
#include "crypto/otp.h"
#include "crypto/password_hash.h"
#include "domain/user.h"
#include "methods/method.h"
#include "url_encode.h"

namespace tessera {
namespace {

using SteadyClock = std::chrono::steady_clock;

// User + system CPU seconds of this process (all threads: server and clients alike).
double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

constexpr std::string_view kPassword = "correct horse battery staple 42";

struct Options {
  int workers = 2;
  int clients = 0;  // 0 = 2 × workers
  double seconds = 10;
  double bound_seconds = 5;
  int password_users = 64;
  int totp_users = 2000;
  std::string json_path;
  std::string dir = "/tmp";  // where the temporary database and key go
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "tessera_sign_in_bench: %s\n", message.c_str());
  std::exit(1);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + std::string(arg));
      return argv[++i];
    };
    if (arg == "--workers") {
      options.workers = std::atoi(next().c_str());
    } else if (arg == "--clients") {
      options.clients = std::atoi(next().c_str());
    } else if (arg == "--seconds") {
      options.seconds = std::atof(next().c_str());
    } else if (arg == "--bound-seconds") {
      options.bound_seconds = std::atof(next().c_str());
    } else if (arg == "--totp-users") {
      options.totp_users = std::atoi(next().c_str());
    } else if (arg == "--dir") {
      options.dir = next();
    } else if (arg == "--json") {
      options.json_path = next();
    } else if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: tessera_sign_in_bench [--workers W] [--clients C] [--seconds D] "
          "[--bound-seconds B] [--totp-users N] [--dir DIR] [--json PATH]\n");
      std::exit(0);
    } else {
      die("unknown argument " + std::string(arg));
    }
  }
  if (options.workers < 1) die("--workers must be at least 1");
  if (options.clients == 0) options.clients = 2 * options.workers;
  if (options.clients < 1 || options.seconds <= 0 || options.bound_seconds <= 0 ||
      options.totp_users < 1) {
    die("bad option value");
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// A small blocking HTTP/1.1 client with keep-alive (Content-Length bodies only, as tessera sends).

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
};

class Connection {
 public:
  explicit Connection(std::uint16_t port) : port_(port) {}
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One request/response; reconnects once if the kept-alive connection was closed.
  std::optional<HttpResponse> exchange(const std::string& request) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_ < 0 && !connect()) return std::nullopt;
      if (send_all(request)) {
        auto response = read_response();
        if (response) {
          for (const auto& [name, value] : response->headers) {
            if (name == "connection" && value == "close") close();
          }
          return response;
        }
      }
      const bool fresh = reused_ == 0;
      close();
      if (fresh) break;  // a fresh connection failed: no point retrying
    }
    return std::nullopt;
  }

 private:
  bool connect() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    timeval timeout{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return false;
    }
    fd_ = fd;
    reused_ = 0;
    buffer_.clear();
    return true;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  bool send_all(std::string_view bytes) {
    ++reused_;
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  bool fill() {
    char chunk[16384];
    for (;;) {
      const ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
      if (received < 0 && errno == EINTR) continue;
      if (received <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(received));
      return true;
    }
  }

  std::optional<HttpResponse> read_response() {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    const std::string_view head(buffer_.data(), header_end);
    HttpResponse response;
    std::size_t line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    const std::size_t space = status_line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    response.status = std::atoi(std::string(status_line.substr(space + 1, 3)).c_str());
    std::size_t length = 0;
    while (line_end != std::string_view::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string_view line = head.substr(
          start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name(line.substr(0, colon));
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      if (name == "content-length") length = std::strtoull(std::string(value).c_str(), nullptr, 10);
      response.headers.emplace_back(std::move(name), std::string(value));
    }
    buffer_.erase(0, header_end + 4);
    while (buffer_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }

  std::uint16_t port_;
  int fd_ = -1;
  int reused_ = 0;
  std::string buffer_;
};

using bench::url_encode;

std::string get_request(std::string_view target, std::string_view cookie) {
  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!cookie.empty()) request += "Cookie: tessera_flow=" + std::string(cookie) + "\r\n";
  request += "\r\n";
  return request;
}

std::string post_request(std::string_view target, std::string_view cookie, std::string_view body) {
  std::string request = "POST " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!cookie.empty()) request += "Cookie: tessera_flow=" + std::string(cookie) + "\r\n";
  request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

// The value of cookie `name` set by the response ("" when not set, nullopt when absent).
std::optional<std::string> set_cookie_value(const HttpResponse& response, std::string_view name) {
  for (const auto& [header, value] : response.headers) {
    if (header != "set-cookie") continue;
    std::string_view v = value;
    if (!v.starts_with(name) || v.size() <= name.size() || v[name.size()] != '=') continue;
    v.remove_prefix(name.size() + 1);
    return std::string(v.substr(0, v.find(';')));
  }
  return std::nullopt;
}

std::string header_value(const HttpResponse& response, std::string_view name) {
  for (const auto& [header, value] : response.headers) {
    if (header == name) return value;
  }
  return {};
}

std::string hidden_csrf(const std::string& html) {
  static constexpr std::string_view marker = "name=\"csrf\" value=\"";
  const std::size_t at = html.find(marker);
  if (at == std::string::npos) return {};
  const std::size_t start = at + marker.size();
  const std::size_t end = html.find('"', start);
  return end == std::string::npos ? std::string() : html.substr(start, end - start);
}

std::string page_title(const std::string& html) {
  const std::size_t at = html.find("<h1>");
  if (at == std::string::npos) return "(no <h1>)";
  const std::size_t end = html.find("</h1>", at);
  return html.substr(at + 4, end == std::string::npos ? 40 : end - at - 4);
}

// ---------------------------------------------------------------------------------------------
// The journey.

enum Step { kGetSignIn, kPostUsername, kPostPassword, kPostCode, kStepCount };
constexpr const char* kStepNames[kStepCount] = {"GET /signin", "POST /signin/username",
                                                "POST /signin/password", "POST /signin/code"};

struct TotpUser {
  std::string upn;
  SecretBytes secret;
};

struct ClientStats {
  long successes = 0;
  long failures = 0;
  double step_seconds[kStepCount] = {};
  double step_max_seconds[kStepCount] = {};
  long step_count[kStepCount] = {};
  std::string first_failure;
  double cpu_seconds = 0;  // of the client thread
};

double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

class Journey {
 public:
  Journey(std::uint16_t port, ClientStats& stats) : connection_(port), stats_(stats) {}

  // One complete sign-in; true when it ends with 303 and a session cookie.
  bool sign_in(const std::string& upn, const TotpUser* totp) {
    auto page = timed(kGetSignIn, get_request("/signin", ""));
    if (!expect_page(page, "GET /signin")) return false;
    std::string flow = set_cookie_value(*page, "tessera_flow").value_or("");
    std::string csrf = hidden_csrf(page->body);
    if (flow.empty() || csrf.empty()) return fail("GET /signin: no flow cookie or csrf");

    page = timed(kPostUsername, post_request("/signin/username", flow,
                                             "csrf=" + url_encode(csrf) +
                                                 "&step=username&username=" + url_encode(upn)));
    if (!expect_page(page, "POST /signin/username")) return false;
    update(*page, flow, csrf);

    page =
        timed(kPostPassword, post_request("/signin/password", flow,
                                          "csrf=" + url_encode(csrf) +
                                              "&step=password&password=" + url_encode(kPassword)));
    if (totp == nullptr) return expect_signed_in(page, "POST /signin/password");
    if (!expect_page(page, "POST /signin/password")) return false;
    update(*page, flow, csrf);

    const std::string code = tessera::totp(
        totp->secret.span(),
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()),
        TotpParameters{});
    page = timed(kPostCode,
                 post_request("/signin/code", flow,
                              "csrf=" + url_encode(csrf) + "&step=enter_code&code=" + code));
    return expect_signed_in(page, "POST /signin/code");
  }

 private:
  std::optional<HttpResponse> timed(Step step, const std::string& request) {
    const auto start = SteadyClock::now();
    auto response = connection_.exchange(request);
    const double took = std::chrono::duration<double>(SteadyClock::now() - start).count();
    stats_.step_seconds[step] += took;
    stats_.step_max_seconds[step] = std::max(stats_.step_max_seconds[step], took);
    ++stats_.step_count[step];
    return response;
  }

  static void update(const HttpResponse& page, std::string& flow, std::string& csrf) {
    if (auto cookie = set_cookie_value(page, "tessera_flow"); cookie && !cookie->empty()) {
      flow = *cookie;
    }
    if (std::string token = hidden_csrf(page.body); !token.empty()) csrf = token;
  }

  bool fail(const std::string& what) {
    ++stats_.failures;
    if (stats_.first_failure.empty()) stats_.first_failure = what;
    return false;
  }

  bool expect_page(const std::optional<HttpResponse>& page, const char* what) {
    if (!page) return fail(std::string(what) + ": no response");
    if (page->status != 200) {
      return fail(std::string(what) + ": status " + std::to_string(page->status) + " (" +
                  page_title(page->body) + ")");
    }
    return true;
  }

  bool expect_signed_in(const std::optional<HttpResponse>& page, const char* what) {
    if (!page) return fail(std::string(what) + ": no response");
    const auto session = set_cookie_value(*page, "tessera_session");
    if (page->status != 303 || !session || session->empty()) {
      return fail(std::string(what) + ": status " + std::to_string(page->status) + " location '" +
                  header_value(*page, "location") + "' (" + page_title(page->body) + ")");
    }
    ++stats_.successes;
    return true;
  }

  Connection connection_;
  ClientStats& stats_;
};

struct RunResult {
  double per_second = 0;
  long successes = 0;
  long failures = 0;
  double seconds = 0;
  double cpu_seconds = 0;         // process CPU time during the run
  double client_cpu_seconds = 0;  // of which the client threads (the load generator)
  ClientStats totals;
  bool ran_out_of_users = false;
};

// `clients` threads doing sign-ins until `seconds` have passed; `next_user(i)` gives the user for
// a client's next sign-in, or nullopt to stop.
template <typename NextUser>
RunResult run_load(std::uint16_t port, int clients, double seconds, NextUser next_user,
                   const std::vector<std::string>& password_upns,
                   const std::vector<TotpUser>* totp_users) {
  std::vector<ClientStats> stats(static_cast<std::size_t>(clients));
  std::atomic<bool> out_of_users{false};
  const double cpu_start = process_cpu_seconds();
  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      ClientStats& mine = stats[static_cast<std::size_t>(c)];
      const double cpu_at_start = thread_cpu_seconds();
      Journey journey(port, mine);
      while (SteadyClock::now() < deadline) {
        const std::optional<std::size_t> index = next_user(c);
        if (!index) {
          out_of_users = true;
          break;
        }
        if (totp_users != nullptr) {
          const TotpUser& user = (*totp_users)[*index];
          journey.sign_in(user.upn, &user);
        } else {
          journey.sign_in(password_upns[*index], nullptr);
        }
      }
      mine.cpu_seconds = thread_cpu_seconds() - cpu_at_start;
    });
  }
  for (auto& thread : threads)
    thread.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();

  RunResult result;
  result.seconds = elapsed;
  result.cpu_seconds = process_cpu_seconds() - cpu_start;
  result.ran_out_of_users = out_of_users;
  for (const ClientStats& s : stats) {
    result.successes += s.successes;
    result.failures += s.failures;
    result.client_cpu_seconds += s.cpu_seconds;
    for (int i = 0; i < kStepCount; ++i) {
      result.totals.step_seconds[i] += s.step_seconds[i];
      result.totals.step_count[i] += s.step_count[i];
      result.totals.step_max_seconds[i] =
          std::max(result.totals.step_max_seconds[i], s.step_max_seconds[i]);
    }
    if (result.totals.first_failure.empty()) result.totals.first_failure = s.first_failure;
  }
  result.per_second = static_cast<double>(result.successes) / elapsed;
  return result;
}

// Total Argon2id hashes/s of `workers` threads hashing in a loop.
double measure_argon2_bound(const PasswordHasher& hasher, int workers, double seconds,
                            double* cores_busy) {
  const double cpu_start = process_cpu_seconds();
  const SecretBytes password = SecretBytes::from_string(kPassword);
  std::atomic<long> hashes{0};
  std::atomic<bool> failed{false};
  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      while (SteadyClock::now() < deadline) {
        if (!hasher.hash(password).ok()) failed = true;
        ++hashes;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  if (failed) die("Argon2id hashing failed while measuring the bound");
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  *cores_busy = (process_cpu_seconds() - cpu_start) / elapsed;
  return static_cast<double>(hashes.load()) / elapsed;
}

void print_steps(const char* name, const RunResult& run) {
  std::printf("  %s: %.2f cores busy (process CPU / wall), of which %.2f in the client threads\n",
              name, run.cpu_seconds / run.seconds, run.client_cpu_seconds / run.seconds);
  for (int i = 0; i < kStepCount; ++i) {
    if (run.totals.step_count[i] == 0) continue;
    std::printf("    %-24s %8.2f ms  %8.2f ms  (%ld requests)\n", kStepNames[i],
                run.totals.step_seconds[i] / static_cast<double>(run.totals.step_count[i]) * 1e3,
                run.totals.step_max_seconds[i] * 1e3, run.totals.step_count[i]);
  }
}

std::string steps_json(const RunResult& run) {
  std::string out = "{";
  bool first = true;
  for (int i = 0; i < kStepCount; ++i) {
    if (run.totals.step_count[i] == 0) continue;
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, "%s\"%s\": {\"mean_ms\": %.3f, \"max_ms\": %.3f}",
                  first ? "" : ", ", kStepNames[i],
                  run.totals.step_seconds[i] / static_cast<double>(run.totals.step_count[i]) * 1e3,
                  run.totals.step_max_seconds[i] * 1e3);
    out += buffer;
    first = false;
  }
  return out + "}";
}

int run(const Options& options) {
  set_log_level(LogLevel::warn);
  SystemRng rng;

  std::string dir_template = options.dir + "/tessera-sign-in-bench-XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr) die("cannot create a directory in " + options.dir);
  const std::filesystem::path dir = dir_template;
  struct RemoveDir {
    std::filesystem::path path;
    ~RemoveDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_dir{dir};

  Config cfg = default_config();
  cfg.storage.sqlite_path = dir / "t.db";
  cfg.storage.create_if_missing = true;
  // Every client of the bench comes from 127.0.0.1: the per-network limit on sign-in starts would
  // measure itself, not sign-ins.
  cfg.server.sign_in_starts_per_network = 0;
  cfg.master_key_file = dir / "master.key";
  cfg.server.port = 0;
  cfg.hashing.workers = options.workers;
  cfg.hashing.queue_limit = static_cast<std::size_t>(std::max(256, 4 * options.clients));
  cfg.log_level = LogLevel::warn;
  if (Status status = create_master_key_file(cfg.master_key_file, rng); !status.ok()) {
    die("create_master_key_file: " + status.to_string());
  }
  auto runtime = Runtime::open(cfg, Runtime::Migration::apply);
  if (!runtime.ok()) die("Runtime::open: " + runtime.status().to_string());
  Runtime& rt = **runtime;

  // Users: one password hash shared by all.
  const Timestamp now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto hash = rt.hasher().hash(SecretBytes::from_string(kPassword));
  if (!hash.ok()) die("hash: " + hash.status().to_string());
  auto make_user = [&](const std::string& upn, MfaState mfa) {
    User user;
    user.id = new_id(rng);
    user.upn = upn;
    user.display_name = upn;
    user.password_hash = *hash;
    user.mfa_state = mfa;
    user.mfa_state_changed_at = now;
    user.created_at = now;
    user.password_changed_at = now;
    user.stay_prompt_suppressed = true;
    if (Status status = rt.store().create_user(user, nullptr); !status.ok()) {
      die("create_user: " + status.to_string());
    }
    // Returning users: they signed in from this network before (the steady state; a user's very
    // first sign-in from a network also writes it to familiar_networks).
    if (Status status = rt.store().remember_network(user.id, "127.0.0.0/24", now); !status.ok()) {
      die("remember_network: " + status.to_string());
    }
    return user;
  };
  std::vector<std::string> password_upns;
  for (int i = 0; i < options.password_users; ++i) {
    password_upns.push_back("user" + std::to_string(i) + "@example.com");
    make_user(password_upns.back(), MfaState::disabled);
  }
  std::vector<TotpUser> totp_users;
  for (int i = 0; i < options.totp_users; ++i) {
    TotpUser totp_user{"totp" + std::to_string(i) + "@example.com", rng.secret_bytes(20)};
    const User user = make_user(totp_user.upn, MfaState::enforced);
    Method method;
    method.id = new_id(rng);
    method.user_id = user.id;
    method.kind = MethodKind::authenticator_app;
    method.label = "Authenticator app";
    method.secret = totp_user.secret;
    method.is_default = true;
    method.created_at = now;
    if (Status status = rt.store().add_method(method, nullptr); !status.ok()) {
      die("add_method: " + status.to_string());
    }
    totp_users.push_back(std::move(totp_user));
  }

  const Argon2Parameters& params = rt.hasher().parameters();
  std::printf(
      "sign-in benchmark: %d workers, %d clients, %.0f s per run, %zu TOTP users, "
      "returning users (network already familiar)\n",
      options.workers, options.clients, options.seconds, totp_users.size());
  std::fflush(stdout);

  // The bound is measured right before and right after the HTTP runs, with nothing else running,
  // and averaged: the machine's speed drifts by a few percent over a run (shared VM, heat).
  double bound_cores = 0;
  const double bound_before =
      measure_argon2_bound(rt.hasher(), options.workers, options.bound_seconds, &bound_cores);

  WebServer web(rt);
  if (Status status = web.start(); !status.ok()) die("server start: " + status.to_string());
  const std::uint16_t port = web.port();

  // Password only: client c cycles through its own slice of the users.
  std::vector<std::size_t> cursor(static_cast<std::size_t>(options.clients), 0);
  auto next_password_user = [&](int c) -> std::optional<std::size_t> {
    auto& i = cursor[static_cast<std::size_t>(c)];
    return (static_cast<std::size_t>(c) + options.clients * i++) % password_upns.size();
  };
  const RunResult password_run =
      run_load(port, options.clients, options.seconds, next_password_user, password_upns, nullptr);

  // Password + TOTP: each user once (the replay guard allows one code per step and method).
  std::atomic<std::size_t> next_totp{0};
  auto next_totp_user = [&](int) -> std::optional<std::size_t> {
    const std::size_t i = next_totp++;
    if (i >= totp_users.size()) return std::nullopt;
    return i;
  };
  const RunResult totp_run =
      run_load(port, options.clients, options.seconds, next_totp_user, password_upns, &totp_users);

  web.server().stop();
  double bound_after_cores = 0;
  const double bound_after =
      measure_argon2_bound(rt.hasher(), options.workers, options.bound_seconds, &bound_after_cores);
  const double bound = (bound_before + bound_after) / 2;
  bound_cores = (bound_cores + bound_after_cores) / 2;

  const double password_ratio = password_run.per_second / bound * 100;
  const double totp_ratio = totp_run.per_second / bound * 100;

  std::printf("\nargon2id bound run: %.2f cores busy\n", bound_cores);
  std::printf("per-request latency seen by the clients (mean / max):\n");
  print_steps("password", password_run);
  print_steps("password+TOTP", totp_run);
  for (const RunResult* r : {&password_run, &totp_run}) {
    if (!r->totals.first_failure.empty()) {
      std::printf("first failure: %s\n", r->totals.first_failure.c_str());
    }
  }
  if (totp_run.ran_out_of_users) {
    std::printf("warning: ran out of TOTP users before the run ended (use --totp-users)\n");
  }
  std::printf(
      "\nargon2id bound (m=%u KiB, t=%u, %d workers): %.1f hashes/s "
      "(%.1f before, %.1f after the HTTP runs)\n",
      params.memory_kib, params.iterations, options.workers, bound, bound_before, bound_after);
  std::printf("password sign-ins: %.1f/s = %.1f %% of the bound (%ld failures)\n",
              password_run.per_second, password_ratio, password_run.failures);
  std::printf("password+TOTP sign-ins: %.1f/s = %.1f %% of the bound (%ld failures)\n",
              totp_run.per_second, totp_ratio, totp_run.failures);
  std::fflush(stdout);

  if (!options.json_path.empty()) {
    std::ofstream json(options.json_path);
    char buffer[1024];
    std::snprintf(buffer, sizeof buffer,
                  "{\n  \"workers\": %d,\n  \"clients\": %d,\n  \"seconds\": %.1f,\n"
                  "  \"argon2id\": {\"memory_kib\": %u, \"iterations\": %u, "
                  "\"hashes_per_second\": %.3f},\n",
                  options.workers, options.clients, options.seconds, params.memory_kib,
                  params.iterations, bound);
    json << buffer;
    auto run_json = [&](const char* name, const RunResult& r, double ratio, bool last) {
      char line[512];
      std::snprintf(line, sizeof line,
                    "  \"%s\": {\"sign_ins\": %ld, \"failures\": %ld, \"elapsed_seconds\": %.3f, "
                    "\"per_second\": %.3f, \"percent_of_bound\": %.2f, \"cores_busy\": %.3f, "
                    "\"client_cores_busy\": %.3f, \"steps\": ",
                    name, r.successes, r.failures, r.seconds, r.per_second, ratio,
                    r.cpu_seconds / r.seconds, r.client_cpu_seconds / r.seconds);
      json << line << steps_json(r) << "}" << (last ? "\n" : ",\n");
    };
    run_json("password", password_run, password_ratio, false);
    run_json("password_totp", totp_run, totp_ratio, true);
    json << "}\n";
    if (!json) die("cannot write " + options.json_path);
  }
  return password_run.failures + totp_run.failures == 0 ? 0 : 2;
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  return tessera::run(tessera::parse_options(argc, argv));
}

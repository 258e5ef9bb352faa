// The load generator of the OIDC and forward-auth benchmarks (bench/oidc_bench.sh): the same
// client for tessera and for each baseline, so that a ratio compares the servers and not the
// clients. Keep-alive connections driven by Boost.Asio coroutines on a few threads; each
// connection sends its next request as soon as its last response is read (a closed loop).
//
// Two modes:
//   request    one request over and over (--method, --path, --header, --body); it counts when
//              its status is --expect-status and its body contains --expect-body.
//   code-flow  what a browser and the app (RP) do for a person already signed in: GET the
//              authorization endpoint with the session's cookies and a fresh PKCE pair, state and
//              nonce; follow every redirect on the provider's origin (keeping the cookies it sets,
//              as the browser does) until one goes to --redirect-uri; take its code (its state
//              must be ours) and redeem it at the token endpoint with client_secret_basic and the
//              verifier. A round trip counts when the token response is 200 with an access token
//              and an ID token. The browser's request to the redirect URI is not made: this
//              process is that app.
//
// Only responses that complete inside the measuring window (after --warmup, for --seconds)
// count. Latency is per request (request mode) or per round trip (code-flow). The client's own
// CPU (user + system of this process) and, with --server-pid, the server's over the same window
// are reported as cores busy (CPU seconds / wall seconds).
//
// Usage: tessera_http_load --url http://127.0.0.1:PORT [--connections C] [--threads T]
//          [--seconds D] [--warmup W] [--server-pid PID] [--label NAME] [--json PATH]
//          [--samples PATH]
//          request mode: [--method M] [--path P] [--header 'Name: value']... [--body B]
//                        [--expect-status S] [--expect-body TEXT]
//          code-flow:    --code-flow --client-id ID --client-secret S --redirect-uri URI
//                        [--cookie 'a=b; c=d'] [--authorize-path P] [--token-path P] [--scope S]
// Prints one line with the figures; --json writes them as a JSON object too, --samples every
// latency counted (float32 microseconds, sorted, in this machine's byte order) so that runs can be
// merged. Exits 2 when
// nothing completed or more than 1 % of the attempts failed.
#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "base/rng.h"
#include "crypto/hmac.h"
#include "crypto/sodium_init.h"
#include "oidc/base64url.h"
#include "url_encode.h"

namespace tessera::bench {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string origin;  // http://host:port
  int connections = 16;
  int threads = 1;
  double seconds = 8;
  double warmup = 1;
  long server_pid = 0;
  std::string label = "run";
  std::string json_path;
  std::string samples_path;
  // request mode
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::string> headers;
  std::string body;
  int expect_status = 200;
  std::string expect_body;
  // code-flow mode
  bool code_flow = false;
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;
  std::string cookie;
  std::string authorize_path = "/authorize";
  std::string token_path = "/token";
  std::string scope = "openid profile email";
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "tessera_http_load: %s\n", message.c_str());
  std::exit(1);
}

Options parse_options(int argc, char** argv) {
  Options o;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + std::string(arg));
      return argv[++i];
    };
    if (arg == "--url") url = next();
    else if (arg == "--connections") o.connections = std::atoi(next().c_str());
    else if (arg == "--threads") o.threads = std::atoi(next().c_str());
    else if (arg == "--seconds") o.seconds = std::atof(next().c_str());
    else if (arg == "--warmup") o.warmup = std::atof(next().c_str());
    else if (arg == "--server-pid") o.server_pid = std::atol(next().c_str());
    else if (arg == "--label") o.label = next();
    else if (arg == "--json") o.json_path = next();
    else if (arg == "--samples") o.samples_path = next();
    else if (arg == "--method") o.method = next();
    else if (arg == "--path") o.path = next();
    else if (arg == "--header") o.headers.push_back(next());
    else if (arg == "--body") o.body = next();
    else if (arg == "--expect-status") o.expect_status = std::atoi(next().c_str());
    else if (arg == "--expect-body") o.expect_body = next();
    else if (arg == "--code-flow") o.code_flow = true;
    else if (arg == "--client-id") o.client_id = next();
    else if (arg == "--client-secret") o.client_secret = next();
    else if (arg == "--redirect-uri") o.redirect_uri = next();
    else if (arg == "--cookie") o.cookie = next();
    else if (arg == "--authorize-path") o.authorize_path = next();
    else if (arg == "--token-path") o.token_path = next();
    else if (arg == "--scope") o.scope = next();
    else die("unknown argument " + std::string(arg) + " (see the comment atop bench/http_load.cc)");
  }
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) die("--url http://HOST:PORT is required");
  const std::string authority = url.substr(kScheme.size(), url.find('/', kScheme.size()) -
                                                               kScheme.size());
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string::npos) die("--url needs a port");
  o.host = authority.substr(0, colon);
  o.port = authority.substr(colon + 1);
  o.origin = std::string(kScheme) + authority;
  if (o.connections < 1 || o.threads < 1 || o.seconds <= 0 || o.warmup < 0) die("bad option value");
  o.threads = std::min(o.threads, o.connections);
  if (o.code_flow && (o.client_id.empty() || o.client_secret.empty() || o.redirect_uri.empty())) {
    die("--code-flow needs --client-id, --client-secret and --redirect-uri");
  }
  return o;
}

// ---------------------------------------------------------------------------------------------

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
}

// User + system CPU seconds of process `pid` (all its threads), from /proc; -1 when unreadable.
double other_process_cpu_seconds(long pid) {
  if (pid <= 0) return -1;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  // After the name: state is field 3; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::atof(field.c_str());
    if (index == 15) stime = std::atof(field.c_str());
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The measuring window, shared by every connection.
struct Window {
  SteadyClock::time_point start;
  SteadyClock::time_point end;
  bool contains(SteadyClock::time_point t) const { return t >= start && t < end; }
};

// What one thread's connections counted inside the window.
struct Tally {
  long completed = 0;  // requests (request mode) or round trips (code-flow) that succeeded
  long failures = 0;
  long http_requests = 0;
  std::vector<float> latency_us;
  std::string first_failure;

  void fail(const std::string& what) {
    ++failures;
    if (first_failure.empty()) first_failure = what;
  }
};

using Response = http::response<http::string_body>;

// One keep-alive connection. exchange() connects when needed and reconnects once when a
// kept-alive connection turns out closed.
class Connection {
 public:
  Connection(net::io_context& io, const tcp::resolver::results_type& endpoints)
      : socket_(io), endpoints_(endpoints) {}

  net::awaitable<std::optional<Response>> exchange(const std::string& request) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!socket_.is_open()) {
        auto [error, endpoint] = co_await net::async_connect(socket_, endpoints_, kNoThrow);
        if (error) co_return std::nullopt;
        socket_.set_option(tcp::no_delay(true));
        buffer_.clear();
        reused_ = 0;
      }
      const bool fresh = reused_++ == 0;
      auto [write_error, written] = co_await net::async_write(socket_, net::buffer(request), kNoThrow);
      if (!write_error) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(1 << 20);
        auto [read_error, read] = co_await http::async_read(socket_, buffer_, parser, kNoThrow);
        if (!read_error) {
          Response response = parser.release();
          if (!response.keep_alive()) close();
          co_return response;
        }
      }
      close();
      if (fresh) break;  // a fresh connection failed: no point retrying
    }
    co_return std::nullopt;
  }

 private:
  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
  }

  tcp::socket socket_;
  const tcp::resolver::results_type& endpoints_;
  boost::beast::flat_buffer buffer_;
  int reused_ = 0;
};

// ---------------------------------------------------------------------------------------------
// request mode

std::string fixed_request(const Options& o) {
  std::string request = o.method + " " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port +
                        "\r\n";
  for (const std::string& header : o.headers)
    request += header + "\r\n";
  if (!o.body.empty() || o.method == "POST") {
    request += "Content-Length: " + std::to_string(o.body.size()) + "\r\n";
  }
  request += "\r\n" + o.body;
  return request;
}

net::awaitable<void> repeat_request(Connection& connection, const Options& o, const Window& window,
                                    Tally& tally) {
  const std::string request = fixed_request(o);
  for (;;) {
    const auto sent = SteadyClock::now();
    if (sent >= window.end) co_return;
    std::optional<Response> response = co_await connection.exchange(request);
    const auto done = SteadyClock::now();
    const bool counts = window.contains(done);
    if (!counts) {
      if (!response && done >= window.start) co_return;  // the server is gone
      continue;
    }
    ++tally.http_requests;
    if (!response) {
      tally.fail("no response");
      co_return;
    }
    if (response->result_int() != static_cast<unsigned>(o.expect_status)) {
      tally.fail("status " + std::to_string(response->result_int()) + ": " +
                 response->body().substr(0, 200));
      continue;
    }
    if (!o.expect_body.empty() && response->body().find(o.expect_body) == std::string::npos) {
      tally.fail("body without \"" + o.expect_body + "\": " + response->body().substr(0, 200));
      continue;
    }
    ++tally.completed;
    tally.latency_us.push_back(
        static_cast<float>(std::chrono::duration<double, std::micro>(done - sent).count()));
  }
}

// ---------------------------------------------------------------------------------------------
// code-flow mode

// The value of query parameter `name` in `url` (not decoded: the codes and states compared here
// are unreserved characters), or nullopt.
std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  const std::size_t question = url.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return std::string(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// The browser's cookies for the provider (names to values; paths and expiry are not kept: the
// steady state has only the session's cookies, on Path=/).
class CookieJar {
 public:
  explicit CookieJar(std::string_view header) {
    while (!header.empty()) {
      const std::size_t semicolon = header.find(';');
      std::string_view pair = header.substr(0, semicolon);
      while (!pair.empty() && pair.front() == ' ')
        pair.remove_prefix(1);
      const std::size_t eq = pair.find('=');
      if (eq != std::string_view::npos) {
        cookies_[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
      }
      if (semicolon == std::string_view::npos) break;
      header.remove_prefix(semicolon + 1);
    }
  }

  void update(const Response& response) {
    for (const auto& field : response.base()) {
      if (field.name() != http::field::set_cookie) continue;
      const std::string_view value = field.value();
      const std::string_view pair = value.substr(0, value.find(';'));
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      std::string name(pair.substr(0, eq));
      std::string content(pair.substr(eq + 1));
      if (content.empty() || value.find("Max-Age=0") != std::string_view::npos ||
          value.find("max-age=0") != std::string_view::npos) {
        cookies_.erase(name);
      } else {
        cookies_[std::move(name)] = std::move(content);
      }
    }
  }

  std::string header() const {
    std::string out;
    for (const auto& [name, value] : cookies_) {
      if (!out.empty()) out += "; ";
      out += name + "=" + value;
    }
    return out;
  }

 private:
  std::map<std::string, std::string> cookies_;
};

std::string random_base64url(Rng& rng, std::size_t bytes) {
  std::string raw(bytes, '\0');
  rng.fill(std::span(reinterpret_cast<std::uint8_t*>(raw.data()), raw.size()));
  return base64url_encode(raw);
}

std::string pkce_challenge(std::string_view verifier) {
  const auto digest = sha256(std::span(reinterpret_cast<const std::uint8_t*>(verifier.data()),
                                       verifier.size()));
  return base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

net::awaitable<void> repeat_code_flow(Connection& connection, const Options& o,
                                      const Window& window, Tally& tally) {
  SystemRng rng;
  CookieJar jar(o.cookie);
  const std::string host = "Host: " + o.host + ":" + o.port + "\r\n";
  // client_secret_basic: id and secret form-urlencoded, then base64 (RFC 6749 §2.3.1).
  const std::string basic =
      "Authorization: Basic " + base64_encode(url_encode(o.client_id) + ":" +
                                              url_encode(o.client_secret)) + "\r\n";
  const std::string fixed_query = "client_id=" + url_encode(o.client_id) +
                                  "&redirect_uri=" + url_encode(o.redirect_uri) +
                                  "&response_type=code&scope=" + url_encode(o.scope) +
                                  "&code_challenge_method=S256";
  for (;;) {
    const auto started = SteadyClock::now();
    if (started >= window.end) co_return;
    long requests = 0;
    std::string failure;

    const std::string verifier = random_base64url(rng, 32);
    const std::string state = random_base64url(rng, 12);
    const std::string nonce = random_base64url(rng, 12);
    std::string target = o.authorize_path + "?" + fixed_query + "&state=" + state + "&nonce=" +
                         nonce + "&code_challenge=" + pkce_challenge(verifier);
    std::optional<std::string> code;
    for (int hop = 0; hop < 10 && !code && failure.empty(); ++hop) {
      std::string request = "GET " + target + " HTTP/1.1\r\n" + host;
      if (const std::string cookies = jar.header(); !cookies.empty()) {
        request += "Cookie: " + cookies + "\r\n";
      }
      request += "\r\n";
      ++requests;
      std::optional<Response> response = co_await connection.exchange(request);
      if (!response) {
        failure = "GET " + target.substr(0, target.find('?')) + ": no response";
        break;
      }
      jar.update(*response);
      const unsigned status = response->result_int();
      const std::string location((*response)[http::field::location]);
      if ((status != 302 && status != 303 && status != 307) || location.empty()) {
        failure = "GET " + target.substr(0, target.find('?')) + ": status " +
                  std::to_string(status) + " " + response->body().substr(0, 160);
      } else if (location.starts_with(o.redirect_uri + "?")) {
        code = query_param(location, "code");
        if (!code || code->empty()) failure = "back at the app without a code: " + location;
        else if (query_param(location, "state") != state) failure = "state differs: " + location;
      } else if (location.starts_with("/")) {
        target = location;
      } else if (location.starts_with(o.origin + "/")) {
        target = location.substr(o.origin.size());
      } else {
        failure = "redirect elsewhere: " + location;
      }
    }
    if (!code && failure.empty()) failure = "more than 10 redirects";

    if (failure.empty()) {
      const std::string body = "grant_type=authorization_code&code=" + url_encode(*code) +
                               "&redirect_uri=" + url_encode(o.redirect_uri) +
                               "&code_verifier=" + verifier;
      const std::string request = "POST " + o.token_path + " HTTP/1.1\r\n" + host + basic +
                                  "Content-Type: application/x-www-form-urlencoded\r\n"
                                  "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                                  body;
      ++requests;
      std::optional<Response> response = co_await connection.exchange(request);
      if (!response) {
        failure = "POST " + o.token_path + ": no response";
      } else if (response->result_int() != 200 ||
                 response->body().find("\"access_token\"") == std::string::npos ||
                 response->body().find("\"id_token\"") == std::string::npos) {
        failure = "POST " + o.token_path + ": status " + std::to_string(response->result_int()) +
                  " " + response->body().substr(0, 200);
      }
    }

    const auto done = SteadyClock::now();
    if (!window.contains(done)) {
      if (!failure.empty() && failure.find("no response") != std::string::npos &&
          done >= window.start) {
        co_return;
      }
      continue;
    }
    tally.http_requests += requests;
    if (!failure.empty()) {
      tally.fail(failure);
      if (failure.find("no response") != std::string::npos) co_return;
      continue;
    }
    ++tally.completed;
    tally.latency_us.push_back(
        static_cast<float>(std::chrono::duration<double, std::micro>(done - started).count()));
  }
}

// ---------------------------------------------------------------------------------------------

double percentile(const std::vector<float>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int run(const Options& o) {
  if (!init_crypto_library()) die("libsodium cannot initialise");
  net::io_context resolve_io;
  tcp::resolver resolver(resolve_io);
  boost::system::error_code resolve_error;
  const tcp::resolver::results_type endpoints = resolver.resolve(o.host, o.port, resolve_error);
  if (resolve_error) die("cannot resolve " + o.host + ":" + o.port);

  Window window;
  window.start = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                          std::chrono::duration<double>(o.warmup));
  window.end = window.start + std::chrono::duration_cast<SteadyClock::duration>(
                                  std::chrono::duration<double>(o.seconds));

  std::vector<Tally> tallies(static_cast<std::size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      net::io_context io(1);
      std::vector<std::unique_ptr<Connection>> connections;
      Tally& tally = tallies[static_cast<std::size_t>(t)];
      for (int c = t; c < o.connections; c += o.threads) {
        connections.push_back(std::make_unique<Connection>(io, endpoints));
        Connection& connection = *connections.back();
        if (o.code_flow) {
          net::co_spawn(io, repeat_code_flow(connection, o, window, tally), net::detached);
        } else {
          net::co_spawn(io, repeat_request(connection, o, window, tally), net::detached);
        }
      }
      io.run();
    });
  }

  std::this_thread::sleep_until(window.start);
  const double client_cpu_start = process_cpu_seconds();
  const double server_cpu_start = other_process_cpu_seconds(o.server_pid);
  std::this_thread::sleep_until(window.end);
  const double client_cpu = process_cpu_seconds() - client_cpu_start;
  const double server_cpu_end = other_process_cpu_seconds(o.server_pid);
  for (auto& thread : threads)
    thread.join();

  Tally all;
  for (Tally& tally : tallies) {
    all.completed += tally.completed;
    all.failures += tally.failures;
    all.http_requests += tally.http_requests;
    all.latency_us.insert(all.latency_us.end(), tally.latency_us.begin(), tally.latency_us.end());
    if (all.first_failure.empty()) all.first_failure = tally.first_failure;
  }
  std::sort(all.latency_us.begin(), all.latency_us.end());
  const double per_second = static_cast<double>(all.completed) / o.seconds;
  const double p50 = percentile(all.latency_us, 50) / 1e3;
  const double p90 = percentile(all.latency_us, 90) / 1e3;
  const double p99 = percentile(all.latency_us, 99) / 1e3;
  const double max = all.latency_us.empty() ? 0 : all.latency_us.back() / 1e3;
  const double client_cores = client_cpu / o.seconds;
  const double server_cores = server_cpu_start < 0 || server_cpu_end < 0
                                  ? -1
                                  : (server_cpu_end - server_cpu_start) / o.seconds;

  std::printf("  %-34s %9.1f %s/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  "
              "client %.2f cores  server %.2f cores  (%ld failures)\n",
              o.label.c_str(), per_second, o.code_flow ? "round trips" : "requests", p50, p99,
              max, client_cores, server_cores, all.failures);
  if (!all.first_failure.empty()) {
    std::printf("  %-34s first failure: %s\n", "", all.first_failure.c_str());
  }
  std::fflush(stdout);

  if (!o.json_path.empty()) {
    std::ofstream json(o.json_path);
    char buffer[1024];
    std::snprintf(buffer, sizeof buffer,
                  "{\"label\": %s, \"mode\": \"%s\", \"connections\": %d, \"threads\": %d, "
                  "\"seconds\": %.3f, \"completed\": %ld, \"failures\": %ld, "
                  "\"http_requests\": %ld, \"per_second\": %.3f, \"latency_ms\": {\"p50\": %.4f, "
                  "\"p90\": %.4f, \"p99\": %.4f, \"max\": %.4f}, \"client_cores\": %.4f, "
                  "\"server_cores\": %.4f, ",
                  json_string(o.label).c_str(), o.code_flow ? "code-flow" : "request",
                  o.connections, o.threads, o.seconds, all.completed, all.failures,
                  all.http_requests, per_second, p50, p90, p99, max, client_cores, server_cores);
    json << buffer << "\"first_failure\": " << json_string(all.first_failure) << "}\n";
    if (!json) die("cannot write " + o.json_path);
  }
  if (!o.samples_path.empty()) {
    std::ofstream samples(o.samples_path, std::ios::binary);
    samples.write(reinterpret_cast<const char*>(all.latency_us.data()),
                  static_cast<std::streamsize>(all.latency_us.size() * sizeof(float)));
    if (!samples) die("cannot write " + o.samples_path);
  }
  const long attempts = all.completed + all.failures;
  return all.completed > 0 && all.failures * 100 <= attempts ? 0 : 2;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  return tessera::bench::run(tessera::bench::parse_options(argc, argv));
}

// All of Boost.Beast/Asio lives in this file.
//
// Threading: one io_context run by N io threads. Each connection (Session) has its own strand, so a
// Session's members are touched only on that strand, except `stream_.get_executor()` (immutable).
// A worker-pool job holds a shared_ptr to its Session and posts the response back to the strand.
//
// Lifetime: Sessions register themselves with the Impl (the ConnectionTable for the connection
// limits, and a registry for graceful stop) and unregister in their destructor; both are declared
// before the io_context in Impl so that they outlive the handlers the io_context destroys.
// ~HttpServer waits for its worker jobs, so a job never posts to a destroyed io_context.
#include "http/server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/log.h"
#include "base/secret_bytes.h"
#include "http/connection_table.h"
#include "http/throttled_warning.h"

namespace tessera {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// How long a connection closed after refusing a request keeps reading (and discarding) what the
// client still sends, so the client sees our error response instead of a reset.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;
constexpr std::size_t kReadChunk = 4096;
// A connection refused at accept lingers like that only while fewer than this many do (each holds
// a file descriptor); beyond, it is closed at once.
constexpr std::size_t kMaxLingeringRefusals = 64;
static_assert(kMaxLingeringRefusals + 16 <= kHttpServerExtraDescriptors,
              "the descriptors budgeted beside connections must cover lingering refusals");
constexpr std::size_t kRefusalLingerMaxBytes = 64 * 1024;
// Warnings that a flood could repeat thousands of times a second: one per interval.
constexpr std::chrono::seconds kFloodWarningInterval{10};

HttpMethod to_method(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return HttpMethod::get;
    case http::verb::head:
      return HttpMethod::head;
    case http::verb::post:
      return HttpMethod::post;
    case http::verb::put:
      return HttpMethod::put;
    case http::verb::patch:
      return HttpMethod::patch;
    case http::verb::delete_:
      return HttpMethod::delete_;
    case http::verb::options:
      return HttpMethod::options;
    default:
      return HttpMethod::other;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool safe_header_text(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The handlers' framing headers are the server's business.
bool reserved_header(std::string_view name) {
  return beast::iequals(name, "content-length") || beast::iequals(name, "connection") ||
         beast::iequals(name, "transfer-encoding") || beast::iequals(name, "keep-alive");
}

bool has_no_body(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

Response invoke_handler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    log_event(
        LogLevel::error, "http_handler_failed",
        {{"method", method_name(request.method)}, {"path", request.path}, {"error", e.what()}});
  } catch (...) {
    log_event(LogLevel::error, "http_handler_failed",
              {{"method", method_name(request.method)},
               {"path", request.path},
               {"error", "unknown exception"}});
  }
  return Response::text(500, "internal server error\n");
}

std::string host_port(const std::string& address, std::uint16_t port) {
  bool ipv6 = address.find(':') != std::string::npos;
  return (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// What per-client limits count by: an IPv4 address (also when mapped into IPv6), or an IPv6 /64,
// since one subscriber usually holds a whole /64 and could otherwise open each connection from
// an address of its own.
std::string client_key(const net::ip::address& address) {
  if (!address.is_v6()) return address.to_string();
  const net::ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
  net::ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return net::ip::address_v6(bytes).to_string() + "/64";
}

// The whole answer to a connection refused at accept, built once.
const std::string& refusal_response() {
  static const std::string response = [] {
    const std::string body = "too many connections, please retry\n";
    return "HTTP/1.1 503 Service Unavailable\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Length: " +
           std::to_string(body.size()) +
           "\r\n"
           "Retry-After: 1\r\n"
           "Cache-Control: no-store\r\n"
           "X-Content-Type-Options: nosniff\r\n"
           "Connection: close\r\n"
           "\r\n" +
           body;
  }();
  return response;
}

std::string_view refusal_reason(ConnectionTable::Verdict verdict) {
  return verdict == ConnectionTable::Verdict::too_many_from_client ? "max_connections_per_client"
                                                                   : "max_connections";
}

}  // namespace

class HttpServer::Impl {
 public:
  class Session;
  class Refusal;

  Impl(ServerOptions options, const Router& router, Pools pools)
      : options_(std::move(options)),
        router_(router),
        pool_(pools.worker_pool),
        blocking_pool_(pools.blocking != nullptr ? *pools.blocking : pool_),
        password_pool_(pools.password != nullptr ? *pools.password : blocking_pool_) {}

  Status bind();
  Status start();
  void stop();
  void wait();
  void wait_for_jobs();
  std::uint16_t port() const { return port_.load(); }

 private:
  enum class State { created, running, stopping, stopped };

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void refuse(tcp::socket socket, ConnectionTable::Verdict verdict, const std::string& remote);
  void evict(std::uint64_t id);
  std::vector<std::shared_ptr<Session>> live_sessions();
  void unregister_session(std::uint64_t id);
  void job_started();
  void job_finished();
  WorkerPool& pool_for(Dispatch dispatch);

  const ServerOptions options_;
  const Router& router_;
  WorkerPool& pool_;
  WorkerPool& blocking_pool_;
  WorkerPool& password_pool_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint16_t> port_{0};

  std::mutex lifecycle_mutex_;
  std::condition_variable lifecycle_changed_;
  State state_ = State::created;

  ConnectionTable connections_{
      ConnectionTable::Limits{options_.max_connections, options_.max_connections_per_client}};
  std::mutex sessions_mutex_;
  std::condition_variable sessions_changed_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;  // ids from connections_
  std::atomic<std::size_t> lingering_refusals_{0};
  ThrottledWarning accept_failed_{"http_accept_failed", kFloodWarningInterval};
  ThrottledWarning connection_rejected_{"http_connection_rejected", kFloodWarningInterval};
  ThrottledWarning forwarded_ignored_{"http_forwarded_ignored", kFloodWarningInterval};

  std::mutex jobs_mutex_;
  std::condition_variable jobs_changed_;
  std::size_t jobs_in_flight_ = 0;

  // Declared after the registries above: destroying the io_context destroys pending handlers and
  // with them Sessions, which unregister.
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  tcp::acceptor acceptor_{net::make_strand(ioc_)};
  net::steady_timer accept_retry_{acceptor_.get_executor()};
  std::vector<std::thread> threads_;
};

class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl& server, std::string remote)
      : stream_(std::move(socket)), server_(server), remote_(std::move(remote)) {}
  ~Session() { server_.unregister_session(id_); }

  void set_id(std::uint64_t id) { id_ = id; }
  void start() {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->wait_for_request(); });
  }
  // Closes the connection if it is between requests; otherwise it closes after its response.
  void begin_shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::waiting) self->close();
    });
  }
  // Makes room at max_connections: closes the connection now if it is between requests, else once
  // its current response (which then says Connection: close) is sent.
  void make_room() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->evicted_ = true;
      if (self->phase_ == Phase::waiting) self->close();
    });
  }
  void force_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

 private:
  enum class Phase { waiting, reading, handling, writing, closing };

  void wait_for_request();
  void read_header();
  void on_header(beast::error_code ec);
  void read_body();
  void on_read_error(beast::error_code ec);
  void handle_request();
  void fail_request(int status, std::string text);
  void send(Response response);
  void on_write(beast::error_code ec);
  void linger();
  void close();

  beast::tcp_stream stream_;
  Impl& server_;
  const std::string remote_;
  std::uint64_t id_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  Phase phase_ = Phase::waiting;
  bool first_request_ = true;
  bool evicted_ = false;  // see make_room()
  bool close_after_write_ = false;
  bool unread_input_ = false;  // the request was refused before it was fully read
  std::size_t lingered_bytes_ = 0;
  // About the current request, for the response and the access log.
  SteadyClock::time_point started_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  std::string log_method_;
  std::string log_path_;
  std::string log_client_;  // the client address when a trusted proxy forwarded the request
  int status_ = 0;
};

// A connection refused at accept whose client has already sent something: closing it with unread
// input would make the kernel reset it, and the reset can overtake our 503. So it reads (and drops)
// what the client sends until the client closes, for at most kLingerTimeout and
// kRefusalLingerMaxBytes; then it closes.
class HttpServer::Impl::Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  Refusal(tcp::socket socket, Impl& server) : stream_(std::move(socket)), server_(server) {
    ++server_.lingering_refusals_;
    stream_.expires_after(kLingerTimeout);
  }
  ~Refusal() { --server_.lingering_refusals_; }

  void drain() {
    stream_.async_read_some(net::buffer(chunk_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                              self->drained_ += bytes;
                              if (ec || self->drained_ > kRefusalLingerMaxBytes) return;
                              self->drain();
                            });
  }

 private:
  beast::tcp_stream stream_;
  Impl& server_;
  std::array<char, kReadChunk> chunk_{};
  std::size_t drained_ = 0;
};

// --- Session ---------------------------------------------------------------------------------

void HttpServer::Impl::Session::wait_for_request() {
  if (server_.stopping_.load() || evicted_) return close();
  phase_ = Phase::waiting;
  if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
  // A new connection gets header_timeout to start talking. A kept-alive one gets idle_timeout, or
  // less when connections are scarce.
  std::chrono::seconds timeout = server_.options_.header_timeout;
  if (!first_request_) {
    timeout = server_.connections_.crowded(id_)
                  ? std::min(server_.options_.idle_timeout, server_.options_.crowded_idle_timeout)
                  : server_.options_.idle_timeout;
  }
  stream_.expires_after(timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->buffer_.commit(bytes);
                            if (ec || self->phase_ != Phase::waiting) return self->close();
                            self->read_header();
                          });
}

void HttpServer::Impl::Session::read_header() {
  phase_ = Phase::reading;
  server_.connections_.set_idle(id_, false);
  started_ = SteadyClock::now();
  version_ = 11;
  keep_alive_ = false;
  head_ = false;
  log_method_ = "-";
  log_path_ = "-";
  log_client_.clear();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(server_.options_.header_limit_bytes, UINT32_MAX)));
  parser_->body_limit(server_.options_.body_limit_bytes);
  stream_.expires_after(server_.options_.header_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
}

void HttpServer::Impl::Session::on_header(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  const auto& header = parser_->get();
  log_method_ = std::string(header.method_string());
  std::string_view target = header.target();
  log_path_ = percent_decode(target.substr(0, target.find('?')));
  if (parser_->is_done()) return handle_request();
  if (beast::iequals(header[http::field::expect], "100-continue")) {
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(server_.options_.body_timeout);
    net::async_write(stream_, net::buffer(kContinue),
                     [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                       if (write_ec) return self->close();
                       self->read_body();
                     });
    return;
  }
  read_body();
}

void HttpServer::Impl::Session::read_body() {
  stream_.expires_after(server_.options_.body_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (ec) return self->on_read_error(ec);
                     self->handle_request();
                   });
}

void HttpServer::Impl::Session::on_read_error(beast::error_code ec) {
  if (ec == http::error::header_limit) {
    return fail_request(431, "request header fields too large\n");
  }
  if (ec == http::error::body_limit) return fail_request(413, "request body too large\n");
  // The peer went away, timed out or we are closing: there is no one to answer.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      !is_http_error(ec)) {
    return close();
  }
  fail_request(400, "bad request\n");
}

void HttpServer::Impl::Session::fail_request(int status, std::string text) {
  close_after_write_ = true;
  unread_input_ = true;
  send(Response::text(status, std::move(text)));
}

void HttpServer::Impl::Session::handle_request() {
  phase_ = Phase::handling;
  auto& message = parser_->get();
  version_ = message.version();
  keep_alive_ = message.keep_alive();

  Request request;
  request.method = to_method(message.method());
  head_ = request.method == HttpMethod::head;
  request.target = std::string(message.target());
  std::size_t question = request.target.find('?');
  request.path = percent_decode(std::string_view(request.target).substr(0, question));
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  for (const auto& field : message) {
    request.headers.emplace_back(lower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.peer_address = remote_;
  // What was read (a password, a code, a session cookie) now lives only in `request`, which wipes
  // its body when done; zero the read buffer's copy unless a pipelined request waits in it.
  if (buffer_.size() == 0 && buffer_.capacity() > 0) {
    const auto stale = buffer_.prepare(buffer_.capacity());
    wipe_memory(stale.data(), stale.size());
  }
  ClientAddress client = server_.options_.trusted_proxies.resolve(remote_, request.headers);
  if (client.forwarded_ignored) server_.forwarded_ignored_.warn({{"peer", remote_}});
  request.client_ip = std::move(client.ip);
  request.https = client.https;
  if (request.client_ip != remote_) log_client_ = request.client_ip;
  parser_.reset();

  std::variant<Router::Match, Response> routed =
      server_.router_.lookup(request.method, request.path);
  if (auto* response = std::get_if<Response>(&routed)) return send(std::move(*response));
  request.path_params = std::move(std::get<Router::Match>(routed).params);
  const Router::Match match = std::get<Router::Match>(routed);
  if (match.dispatch == Dispatch::io_thread) {
    return send(invoke_handler(*match.handler, request));
  }

  auto shared_request = std::make_shared<const Request>(std::move(request));
  Impl* server = &server_;
  server->job_started();
  WorkerPool& pool = server->pool_for(match.dispatch);
  bool accepted = pool.try_submit(
      [self = shared_from_this(), handler = match.handler, shared_request, server]() mutable {
        Response response = invoke_handler(*handler, *shared_request);
        {
          // Everything that refers to the io_context (`self`, the strand executor) is moved into
          // the posted handler or destroyed in this block, before job_finished() lets
          // ~HttpServer destroy the io_context.
          auto executor = self->stream_.get_executor();
          net::post(executor, [self = std::move(self), response = std::move(response)]() mutable {
            self->send(std::move(response));
          });
        }
        server->job_finished();
      });
  if (accepted) return;
  server->job_finished();
  if (match.busy != nullptr) return send(invoke_handler(*match.busy, *shared_request));
  Response busy = Response::text(503, "server busy, please retry\n");
  busy.set_header("Retry-After", "1");
  send(std::move(busy));
}

void HttpServer::Impl::Session::send(Response response) {
  phase_ = Phase::writing;
  if (response.status < 100 || response.status > 999) {
    log_event(LogLevel::error, "http_invalid_status", {{"path", log_path_}});
    response = Response::text(500, "internal server error\n");
  }
  status_ = response.status;
  response_ = {};
  response_.result(static_cast<unsigned>(response.status));
  response_.version(version_);
  for (auto& [name, value] : response.headers) {
    if (name.empty() || reserved_header(name)) continue;
    if (!safe_header_text(name) || !safe_header_text(value)) {
      log_event(LogLevel::error, "http_unsafe_header_dropped", {{"path", log_path_}});
      continue;
    }
    response_.insert(name, value);
  }
  if (!response.header("Cache-Control")) response_.set(http::field::cache_control, "no-store");
  response_.set("X-Content-Type-Options", "nosniff");
  bool keep_alive = keep_alive_ && !close_after_write_ && !evicted_ && !server_.stopping_.load();
  response_.keep_alive(keep_alive);
  close_after_write_ = !keep_alive;
  // Idle from now on, until its next request begins: the one to close first when a new connection
  // needs room (marked already while the response is written, so a client that has read it can
  // count on it).
  if (keep_alive) server_.connections_.set_idle(id_, true);
  if (!has_no_body(response.status)) {
    response_.content_length(response.body.size());
    if (!head_) response_.body() = std::move(response.body);
  }
  stream_.expires_after(server_.options_.body_timeout);
  http::async_write(
      stream_, response_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void HttpServer::Impl::Session::on_write(beast::error_code ec) {
  auto duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started_);
  std::string status = std::to_string(status_);
  std::string duration_ms = std::to_string(duration.count());
  if (log_client_.empty()) {
    log_event(LogLevel::info, "http_request",
              {{"method", log_method_},
               {"path", log_path_},
               {"status", status},
               {"duration_ms", duration_ms},
               {"remote", remote_}});
  } else {
    log_event(LogLevel::info, "http_request",
              {{"method", log_method_},
               {"path", log_path_},
               {"status", status},
               {"duration_ms", duration_ms},
               {"remote", log_client_},
               {"peer", remote_}});
  }
  response_ = {};
  if (ec) return close();
  if (unread_input_) return linger();
  if (close_after_write_) return close();
  first_request_ = false;
  wait_for_request();
}

void HttpServer::Impl::Session::linger() {
  if (phase_ != Phase::closing) {
    phase_ = Phase::closing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTimeout);
  }
  buffer_.consume(buffer_.size());
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->lingered_bytes_ += bytes;
                            if (ec || self->lingered_bytes_ > kLingerMaxBytes) return self->close();
                            self->linger();
                          });
}

void HttpServer::Impl::Session::close() {
  phase_ = Phase::closing;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

// --- Impl ------------------------------------------------------------------------------------

Status HttpServer::Impl::bind() {
  std::lock_guard lock(lifecycle_mutex_);
  if (state_ != State::created) return failed_precondition("HTTP server already started");
  if (acceptor_.is_open()) return Status::ok_status();
  const std::string where = host_port(options_.address, options_.port);
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options_.address, ec);
  if (ec) return invalid_argument("invalid HTTP listen address " + where);
  tcp::endpoint endpoint(address, options_.port);
  auto fail = [&](std::string_view step) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return unavailable("cannot " + std::string(step) + " " + where + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("set options on");
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  tcp::endpoint bound = acceptor_.local_endpoint(ec);
  if (ec) return fail("read the bound port of");
  port_ = bound.port();
  return Status::ok_status();
}

Status HttpServer::Impl::start() {
  if (Status bound = bind(); !bound.ok()) return bound;
  std::lock_guard lock(lifecycle_mutex_);
  if (state_ != State::created) return failed_precondition("HTTP server already started");

  work_.emplace(ioc_.get_executor());
  net::post(acceptor_.get_executor(), [this] { do_accept(); });
  int thread_count = options_.io_threads > 0
                         ? options_.io_threads
                         : static_cast<int>(std::thread::hardware_concurrency());
  thread_count = std::max(thread_count, 1);
  for (int i = 0; i < thread_count; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          log_event(LogLevel::error, "http_io_thread_error", {{"error", e.what()}});
        }
      }
    });
  }
  state_ = State::running;
  std::string port_text = std::to_string(port_.load());
  log_event(LogLevel::info, "http_listening", {{"address", options_.address}, {"port", port_text}});
  return Status::ok_status();
}

void HttpServer::Impl::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // E.g. out of file descriptors: back off instead of spinning.
    accept_failed_.warn({{"error", ec.message()}});
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](beast::error_code timer_ec) {
      if (!timer_ec && acceptor_.is_open()) do_accept();
    });
    return;
  }
  do_accept();
  if (stopping_.load()) return;  // `socket` closes as it goes out of scope
  beast::error_code endpoint_ec;
  tcp::endpoint peer = socket.remote_endpoint(endpoint_ec);
  std::string remote = endpoint_ec ? std::string("-") : peer.address().to_string();
  const ConnectionTable::Admission admission =
      connections_.admit(endpoint_ec ? remote : client_key(peer.address()));
  if (admission.verdict != ConnectionTable::Verdict::admitted) {
    return refuse(std::move(socket), admission.verdict, remote);
  }
  if (admission.evict) evict(*admission.evict);
  auto session = std::make_shared<Session>(std::move(socket), *this, std::move(remote));
  session->set_id(admission.id);
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.emplace(admission.id, session);
  }
  session->start();
}

void HttpServer::Impl::refuse(tcp::socket socket, ConnectionTable::Verdict verdict,
                              const std::string& remote) {
  connection_rejected_.warn({{"reason", refusal_reason(verdict)}, {"remote", remote}});
  // Written at once, without waiting: a fresh socket's send buffer always has room for it. If it
  // does not all go, the client gets a plain close.
  const std::string& answer = refusal_response();
  beast::error_code ec;
  socket.non_blocking(true, ec);
  if (ec) return;
  const std::size_t written = socket.write_some(net::buffer(answer), ec);
  if (ec || written != answer.size()) return;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  // Nothing unread: closing sends our answer and then a FIN, and costs nothing more.
  const std::size_t unread = socket.available(ec);
  if (ec || unread == 0) return;
  if (lingering_refusals_.load() >= kMaxLingeringRefusals) return;
  std::make_shared<Refusal>(std::move(socket), *this)->drain();
}

void HttpServer::Impl::evict(std::uint64_t id) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(sessions_mutex_);
    auto found = sessions_.find(id);
    if (found != sessions_.end()) session = found->second.lock();
  }
  // A connection that has just begun a request finishes it first; the limit is exceeded by one
  // until then.
  if (session) session->make_room();
}

std::vector<std::shared_ptr<HttpServer::Impl::Session>> HttpServer::Impl::live_sessions() {
  std::vector<std::shared_ptr<Session>> live;
  std::lock_guard lock(sessions_mutex_);
  for (auto& [id, weak] : sessions_) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

void HttpServer::Impl::unregister_session(std::uint64_t id) {
  connections_.remove(id);
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(id);
  }
  sessions_changed_.notify_all();
}

void HttpServer::Impl::job_started() {
  std::lock_guard lock(jobs_mutex_);
  ++jobs_in_flight_;
}

void HttpServer::Impl::job_finished() {
  // Notified under the lock: the waiter may destroy this object as soon as it sees zero.
  std::lock_guard lock(jobs_mutex_);
  --jobs_in_flight_;
  jobs_changed_.notify_all();
}

WorkerPool& HttpServer::Impl::pool_for(Dispatch dispatch) {
  switch (dispatch) {
    case Dispatch::blocking:
      return blocking_pool_;
    case Dispatch::password:
      return password_pool_;
    case Dispatch::io_thread:
    case Dispatch::worker_pool:
      break;
  }
  return pool_;
}

void HttpServer::Impl::stop() {
  {
    std::unique_lock lock(lifecycle_mutex_);
    if (state_ == State::created) {
      state_ = State::stopped;
      lifecycle_changed_.notify_all();
      return;
    }
    if (state_ != State::running) {
      lifecycle_changed_.wait(lock, [this] { return state_ == State::stopped; });
      return;
    }
    state_ = State::stopping;
  }
  stopping_ = true;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  for (auto& session : live_sessions())
    session->begin_shutdown();
  {
    std::unique_lock lock(sessions_mutex_);
    bool drained = sessions_changed_.wait_for(lock, options_.shutdown_grace,
                                              [this] { return sessions_.empty(); });
    if (!drained) {
      log_event(LogLevel::warn, "http_shutdown_grace_expired",
                {{"open_connections", std::to_string(sessions_.size())}});
    }
  }
  for (auto& session : live_sessions())
    session->force_close();
  {
    // Give the forced closes a moment to run before the io threads stop.
    std::unique_lock lock(sessions_mutex_);
    sessions_changed_.wait_for(lock, std::chrono::milliseconds(500),
                               [this] { return sessions_.empty(); });
  }
  work_.reset();
  ioc_.stop();
  for (std::thread& thread : threads_)
    thread.join();
  threads_.clear();
  log_event(LogLevel::info, "http_stopped");
  std::lock_guard lock(lifecycle_mutex_);
  state_ = State::stopped;
  lifecycle_changed_.notify_all();
}

void HttpServer::Impl::wait() {
  std::unique_lock lock(lifecycle_mutex_);
  lifecycle_changed_.wait(lock,
                          [this] { return state_ == State::stopped || state_ == State::created; });
}

void HttpServer::Impl::wait_for_jobs() {
  std::unique_lock lock(jobs_mutex_);
  jobs_changed_.wait(lock, [this] { return jobs_in_flight_ == 0; });
}

// --- HttpServer ------------------------------------------------------------------------------

HttpServer::HttpServer(ServerOptions options, const Router& router, Pools pools)
    : impl_(std::make_unique<Impl>(std::move(options), router, pools)) {}

HttpServer::~HttpServer() {
  impl_->stop();
  impl_->wait_for_jobs();
}

Status HttpServer::bind() {
  return impl_->bind();
}
Status HttpServer::start() {
  return impl_->start();
}
std::uint16_t HttpServer::port() const {
  return impl_->port();
}
void HttpServer::stop() {
  impl_->stop();
}
void HttpServer::wait() {
  impl_->wait();
}

Status run_until_signal(HttpServer& server) {
  net::io_context signal_context;
  net::signal_set signals(signal_context);
  beast::error_code ec;
  signals.add(SIGINT, ec);
  if (!ec) signals.add(SIGTERM, ec);
  if (ec) return internal_error("cannot install signal handlers: " + ec.message());
  int received = 0;
  signals.async_wait([&](beast::error_code wait_ec, int signal_number) {
    if (!wait_ec) received = signal_number;
  });
  signal_context.run();
  std::string signal_name = received == SIGINT ? "SIGINT" : received == SIGTERM ? "SIGTERM" : "?";
  log_event(LogLevel::info, "http_shutdown_requested", {{"signal", signal_name}});
  server.stop();
  return Status::ok_status();
}

}  // namespace tessera

// The baseline of the /auth/verify benchmark (bench/oidc_bench.sh): the least an HTTP/1.1 server
// built on Boost.Beast can do per request. It answers every request "200 hello" over keep-alive,
// with the threading tessera's HttpServer has (one io_context run by as many threads as there are
// cores, a strand per connection), and nothing else: no routing, no limits, no timeouts, no logs.
//
// Usage: tessera_hello_server [--port P] [--threads N]
// Prints "listening on PORT" once it accepts connections; runs until SIGINT or SIGTERM.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

net::awaitable<void> serve(tcp::socket socket) {
  boost::beast::tcp_stream stream(std::move(socket));
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    auto [read_error, read_bytes] =
        co_await http::async_read(stream, buffer, request, net::as_tuple(net::use_awaitable));
    if (read_error) co_return;
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.set(http::field::content_type, "text/plain");
    response.keep_alive(request.keep_alive());
    response.body() = "hello";
    response.prepare_payload();
    auto [write_error, written] =
        co_await http::async_write(stream, response, net::as_tuple(net::use_awaitable));
    if (write_error || !response.keep_alive()) co_return;
  }
}

net::awaitable<void> accept(tcp::acceptor& acceptor) {
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(
        net::make_strand(acceptor.get_executor()), net::as_tuple(net::use_awaitable));
    if (error) {
      if (error == net::error::operation_aborted) co_return;
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve(std::move(socket)), net::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      port = static_cast<unsigned short>(std::atoi(argv[++i]));
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: tessera_hello_server [--port P] [--threads N]\n");
      return 2;
    }
  }
  if (threads < 1) threads = 1;

  net::io_context io(threads);
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  net::co_spawn(io, accept(acceptor), net::detached);
  std::printf("listening on %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& thread : pool) thread.join();
  return 0;
}

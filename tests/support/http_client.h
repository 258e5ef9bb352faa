// A deliberately dumb blocking HTTP/1.1 client over POSIX sockets, for driving the server in tests
// with exactly the bytes a test wants (including malformed ones).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::testing {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last of a repeated name
  std::vector<std::pair<std::string, std::string>> header_list;  // every header, in order
  std::string body;

  // The header's value, or "" when absent.
  std::string header(const std::string& lower_name) const;
  // Every value of a header that may repeat (Set-Cookie).
  std::vector<std::string> all(const std::string& lower_name) const;
};

class TestConnection {
 public:
  // Connects to 127.0.0.1:port; check connected(). Reads time out after `read_timeout`. A
  // `source_address` (an IPv4 literal, e.g. "127.0.0.2": all of 127.0.0.0/8 reaches loopback) is
  // bound before connecting, so one test can play several clients; empty lets the kernel choose.
  explicit TestConnection(std::uint16_t port,
                          std::chrono::milliseconds read_timeout = std::chrono::seconds(10),
                          const std::string& source_address = "");
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // Reads one response; for a response to HEAD pass `head_request` so no body is expected.
  std::optional<ClientResponse> read_response(bool head_request = false);
  // True when the server closes the connection (EOF or reset) within `within`.
  bool closed_by_server(std::chrono::milliseconds within);
  // True when a response (or EOF, or a reset) is waiting to be read, without waiting for one.
  bool readable() const;
  // True when the connection was reset (ECONNRESET) rather than answered or closed in order; only
  // meaningful after read_response() returned nothing.
  bool reset() const { return reset_; }

 private:
  bool fill();  // reads more bytes into buffer_; false on EOF, error or timeout

  int fd_ = -1;
  bool reset_ = false;
  std::string buffer_;
};

// "GET <target> HTTP/1.1" with Host and any `extra_headers` (each ending in \r\n), then the body
// with its Content-Length when `body` is non-empty.
std::string make_request(std::string_view method, std::string_view target,
                         std::string_view extra_headers = "", std::string_view body = "");

// One request on a fresh connection.
std::optional<ClientResponse> fetch(std::uint16_t port, std::string_view method,
                                    std::string_view target);

}  // namespace tessera::testing

#include "support/http_client.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tessera::testing {
namespace {

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

std::string ClientResponse::header(const std::string& lower_name) const {
  auto found = headers.find(lower_name);
  return found == headers.end() ? std::string() : found->second;
}

std::vector<std::string> ClientResponse::all(const std::string& lower_name) const {
  std::vector<std::string> values;
  for (const auto& [name, value] : header_list) {
    if (name == lower_name) values.push_back(value);
  }
  return values;
}

TestConnection::TestConnection(std::uint16_t port, std::chrono::milliseconds read_timeout,
                               const std::string& source_address) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  if (!source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_port = 0;
    if (::inet_pton(AF_INET, source_address.c_str(), &source.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      ::close(fd);
      return;
    }
  }
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(read_timeout.count() / 1000);
  timeout.tv_usec = static_cast<suseconds_t>((read_timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

TestConnection::~TestConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool TestConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

bool TestConnection::fill() {
  char chunk[4096];
  for (;;) {
    ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received < 0 && errno == ECONNRESET) reset_ = true;
    if (received <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(received));
    return true;
  }
}

std::optional<ClientResponse> TestConnection::read_response(bool head_request) {
  if (fd_ < 0) return std::nullopt;
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return std::nullopt;
  }
  std::string_view head(buffer_.data(), header_end);
  ClientResponse response;
  std::size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  std::size_t space = status_line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  response.status = std::atoi(std::string(status_line.substr(space + 1, 3)).c_str());
  while (line_end != std::string_view::npos) {
    std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string_view line = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = lower(std::string(line.substr(0, colon)));
    std::string value = trim(line.substr(colon + 1));
    response.headers[name] = value;
    response.header_list.emplace_back(std::move(name), std::move(value));
  }
  buffer_.erase(0, header_end + 4);
  std::size_t length = 0;
  if (!head_request && response.headers.contains("content-length")) {
    length = static_cast<std::size_t>(std::atoll(response.headers["content-length"].c_str()));
  }
  while (buffer_.size() < length) {
    if (!fill()) return std::nullopt;
  }
  response.body = buffer_.substr(0, length);
  buffer_.erase(0, length);
  return response;
}

bool TestConnection::closed_by_server(std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd poll_fd{fd_, POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[4096];
    ssize_t received = ::recv(fd_, chunk, sizeof chunk, 0);
    if (received == 0 || (received < 0 && errno != EINTR && errno != EAGAIN)) return true;
  }
}

bool TestConnection::readable() const {
  if (fd_ < 0) return false;
  if (!buffer_.empty()) return true;
  pollfd poll_fd{fd_, POLLIN, 0};
  return ::poll(&poll_fd, 1, 0) > 0;
}

std::string make_request(std::string_view method, std::string_view target,
                         std::string_view extra_headers, std::string_view body) {
  std::string request = std::string(method) + " " + std::string(target) +
                        " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra_headers);
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n";
  request += body;
  return request;
}

std::optional<ClientResponse> fetch(std::uint16_t port, std::string_view method,
                                    std::string_view target) {
  TestConnection connection(port);
  if (!connection.connected()) return std::nullopt;
  if (!connection.send(make_request(method, target, "Connection: close\r\n"))) return std::nullopt;
  return connection.read_response(method == "HEAD");
}

}  // namespace tessera::testing

#include "http/response.h"

#include <algorithm>
#include <cctype>

namespace tessera {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

Response with_content_type(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", std::move(content_type));
  return response;
}

}  // namespace

void Response::set_header(std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& header) { return iequals(header.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (iequals(header_name, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Response Response::text(int status, std::string body) {
  return with_content_type(status, std::move(body), "text/plain; charset=utf-8");
}

Response Response::json(int status, std::string body) {
  return with_content_type(status, std::move(body), "application/json");
}

Response Response::html(int status, std::string body) {
  return with_content_type(status, std::move(body), "text/html; charset=utf-8");
}

Response Response::redirect(std::string location, int status) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Location", std::move(location));
  return response;
}

}  // namespace tessera

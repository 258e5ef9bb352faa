#include "http/request.h"

#include <cctype>

#include "base/hex.h"

namespace tessera {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view method_name(HttpMethod method) {
  switch (method) {
    case HttpMethod::get:
      return "GET";
    case HttpMethod::head:
      return "HEAD";
    case HttpMethod::post:
      return "POST";
    case HttpMethod::put:
      return "PUT";
    case HttpMethod::patch:
      return "PATCH";
    case HttpMethod::delete_:
      return "DELETE";
    case HttpMethod::options:
      return "OPTIONS";
    case HttpMethod::other:
      break;
  }
  return "OTHER";
}

std::optional<std::string_view> Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

std::map<std::string, std::string> Request::query_params() const {
  return parse_urlencoded(query);
}

std::map<std::string, std::string> Request::form_params() const {
  std::optional<std::string_view> content_type = header("content-type");
  if (!content_type) return {};
  std::string_view media_type = content_type->substr(0, content_type->find(';'));
  while (!media_type.empty() && (media_type.back() == ' ' || media_type.back() == '\t')) {
    media_type.remove_suffix(1);
  }
  if (!iequals(media_type, "application/x-www-form-urlencoded")) return {};
  return parse_urlencoded(body);
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex_digit_value(text[i + 1]) >= 0 &&
               hex_digit_value(text[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hex_digit_value(text[i + 1]) * 16 + hex_digit_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::map<std::string, std::string> parse_urlencoded(std::string_view text) {
  std::map<std::string, std::string> params;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view piece = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (piece.empty()) continue;
    std::size_t eq = piece.find('=');
    std::string name = percent_decode(piece.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : percent_decode(piece.substr(eq + 1), true);
    params.emplace(std::move(name), std::move(value));
  }
  return params;
}

}  // namespace tessera

#include "http/request.h"

#include <cctype>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/grammar/string_token.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>

#include "base/secret_bytes.h"

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

Request::~Request() {
  wipe_string(body);
  if (form_) {
    for (auto& [name, value] : *form_)
      wipe_string(value);
  }
}

const std::map<std::string, std::string>& Request::form_params() const {
  if (form_) return *form_;
  form_.emplace();
  std::optional<std::string_view> content_type = header("content-type");
  if (!content_type) return *form_;
  std::string_view media_type = content_type->substr(0, content_type->find(';'));
  while (!media_type.empty() && (media_type.back() == ' ' || media_type.back() == '\t')) {
    media_type.remove_suffix(1);
  }
  if (iequals(media_type, "application/x-www-form-urlencoded")) *form_ = parse_urlencoded(body);
  return *form_;
}

const std::string& Request::path_param(std::string_view name) const {
  static const std::string kNone;
  for (const auto& [key, value] : path_params) {
    if (key == name) return value;
  }
  return kNone;
}

const std::string& Request::form_field(const std::string& name) const {
  static const std::string kNone;
  const auto& form = form_params();
  const auto found = form.find(name);
  return found == form.end() ? kNone : found->second;
}

std::string percent_decode(std::string_view text) {
  const auto escaped = boost::urls::make_pct_string_view(text);
  if (!escaped) return std::string(text);  // a malformed escape: the text as it came
  return escaped->decode();
}

std::map<std::string, std::string> parse_urlencoded(std::string_view text) {
  std::map<std::string, std::string> out;
  const auto parsed = boost::urls::parse_query(text);
  if (!parsed) return out;
  boost::urls::encoding_opts options;
  options.space_as_plus = true;
  // Decoded straight into the map, so no temporary copy of a password is left unwiped.
  for (const auto& param : *parsed) {
    std::string name;
    param.key.decode(options, boost::urls::string_token::append_to(name));
    if (name.empty() || out.contains(name)) continue;
    std::string& value = out[std::move(name)];
    if (param.has_value) param.value.decode(options, boost::urls::string_token::append_to(value));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_urlencoded_pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto parsed = boost::urls::parse_query(text);
  if (!parsed) return out;
  boost::urls::encoding_opts options;
  options.space_as_plus = true;
  for (const auto& param : *parsed) {
    auto& [name, value] = out.emplace_back();
    param.key.decode(options, boost::urls::string_token::append_to(name));
    if (param.has_value) param.value.decode(options, boost::urls::string_token::append_to(value));
  }
  return out;
}

}  // namespace tessera

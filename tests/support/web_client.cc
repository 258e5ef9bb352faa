#include "support/web_client.h"

#include "crypto/base32.h"
#include "crypto/otp.h"

namespace tessera::testing {
namespace {

std::string decode_entities(std::string_view text) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'},   {"&lt;", '<'},   {"&gt;", '>'},  {"&quot;", '"'}, {"&#39;", '\''},
      {"&#x27;", '\''}, {"&#x2F;", '/'}, {"&#47;", '/'}, {"&apos;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    bool replaced = false;
    if (text[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out.push_back(c);
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(text[i++]);
  }
  return out;
}

// The text between the end of the first tag starting at `open` and the next `close`.
std::string element_text(const std::string& body, std::size_t open, std::string_view close) {
  if (open == std::string::npos) return "";
  const std::size_t start = body.find('>', open);
  if (start == std::string::npos) return "";
  const std::size_t end = body.find(close, start);
  if (end == std::string::npos) return "";
  return decode_entities(std::string_view(body).substr(start + 1, end - start - 1));
}

// The value of attribute `name` inside the tag that spans [tag_start, tag_end).
std::string attribute(std::string_view tag, std::string_view name) {
  const std::string needle = " " + std::string(name) + "=\"";
  const std::size_t at = tag.find(needle);
  if (at == std::string_view::npos) return "";
  const std::size_t start = at + needle.size();
  const std::size_t end = tag.find('"', start);
  if (end == std::string_view::npos) return "";
  return decode_entities(tag.substr(start, end - start));
}

}  // namespace

bool WebPage::contains(std::string_view text) const {
  return response.body.find(text) != std::string::npos;
}

std::string WebPage::heading() const {
  return element_text(response.body, response.body.find("<h1"), "</h1>");
}

std::string WebPage::alert() const {
  const std::size_t at = response.body.find("role=\"alert\"");
  if (at == std::string::npos) return "";
  const std::size_t open = response.body.rfind('<', at);
  const std::size_t end_of_name = response.body.find_first_of(" >", open);
  const std::string close = "</" + response.body.substr(open + 1, end_of_name - open - 1) + ">";
  return element_text(response.body, open, close);
}

std::string WebPage::input(std::string_view name) const {
  const std::string& body = response.body;
  const std::string needle = "name=\"" + std::string(name) + "\"";
  for (std::size_t at = body.find(needle); at != std::string::npos;
       at = body.find(needle, at + 1)) {
    const std::size_t open = body.rfind('<', at);
    const std::size_t close = body.find('>', at);
    if (open == std::string::npos || close == std::string::npos) break;
    const std::string_view tag(body.data() + open, close - open);
    if (!tag.starts_with("<input")) continue;
    return attribute(tag, "value");
  }
  return "";
}

std::string WebPage::form_action() const {
  const std::string& body = response.body;
  const std::size_t open = body.find("<form method=\"post\"");
  if (open == std::string::npos) return "";
  const std::size_t close = body.find('>', open);
  return attribute(std::string_view(body.data() + open, close - open), "action");
}

std::string WebPage::totp_secret() const {
  const std::string text = element_text(
      response.body, response.body.find("<code data-testid=\"totp-secret\""), "</code>");
  std::string secret;
  for (char c : text) {
    if (c != ' ') secret.push_back(c);
  }
  return secret;
}

std::string form_encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string totp_code(std::string_view base32_secret, Timestamp when) {
  auto secret = base32_decode(base32_secret);
  if (!secret.ok()) return "";
  return totp(secret->span(), when, TotpParameters{});
}

Browser::Browser(std::uint16_t port, std::string extra_headers)
    : port_(port), extra_headers_(std::move(extra_headers)) {}

std::string Browser::cookie(const std::string& name) const {
  const auto found = cookies_.find(name);
  return found == cookies_.end() ? std::string() : found->second;
}

WebPage Browser::get(std::string_view target) {
  return request("GET", target, "");
}

namespace {

std::string form_body(const FormFields& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body.push_back('&');
    body += form_encode(name) + "=" + form_encode(value);
  }
  return body;
}

// What a person pressing the form's button sends: its hidden csrf and step, then `fields`.
FormFields with_hidden_fields(const WebPage& page, const FormFields& fields) {
  FormFields all = {{"csrf", page.input("csrf")}, {"step", page.input("step")}};
  all.insert(all.end(), fields.begin(), fields.end());
  return all;
}

}  // namespace

WebPage Browser::post(std::string_view target, const FormFields& fields) {
  return request("POST", target, form_body(fields));
}

WebPage Browser::submit(const WebPage& page, const FormFields& fields) {
  return post(page.form_action(), with_hidden_fields(page, fields));
}

std::string Browser::submission(const WebPage& page, const FormFields& fields) const {
  return request_bytes("POST", page.form_action(), form_body(with_hidden_fields(page, fields)));
}

WebPage Browser::follow(WebPage page) {
  for (int hops = 0; hops < 5 && page.status >= 300 && page.status < 400; ++hops) {
    page = get(page.location());
  }
  return page;
}

std::string Browser::request_bytes(std::string_view method, std::string_view target,
                                   std::string_view body) const {
  std::string headers = extra_headers_ + "Connection: close\r\n";
  if (!cookies_.empty()) {
    std::string cookie_header;
    for (const auto& [name, value] : cookies_) {
      if (!cookie_header.empty()) cookie_header += "; ";
      cookie_header += name + "=" + value;
    }
    headers += "Cookie: " + cookie_header + "\r\n";
  }
  if (method == "POST") headers += "Content-Type: application/x-www-form-urlencoded\r\n";
  std::string raw = make_request(method, target, headers, body);
  if (method == "POST" && body.empty()) {
    // make_request leaves out Content-Length for an empty body; a POST needs it.
    raw = make_request(method, target, headers + "Content-Length: 0\r\n", "");
  }
  return raw;
}

WebPage Browser::request(std::string_view method, std::string_view target, std::string_view body) {
  const std::string raw = request_bytes(method, target, body);
  WebPage page;
  TestConnection connection(port_, std::chrono::seconds(30), source_address_);
  if (!connection.connected() || !connection.send(raw)) return page;
  auto response = connection.read_response(method == "HEAD");
  if (!response) return page;
  page.status = response->status;
  page.response = std::move(*response);
  take_cookies(page.response);
  return page;
}

void Browser::take_cookies(const ClientResponse& response) {
  for (const std::string& set_cookie : response.all("set-cookie")) {
    const std::size_t equals = set_cookie.find('=');
    if (equals == std::string::npos) continue;
    const std::size_t end = set_cookie.find(';');
    const std::string name = set_cookie.substr(0, equals);
    const std::string value = set_cookie.substr(equals + 1, end - equals - 1);
    const bool expired = set_cookie.find("Max-Age=0") != std::string::npos;
    if (expired || value.empty()) {
      cookies_.erase(name);
    } else {
      cookies_[name] = value;
    }
  }
}

}  // namespace tessera::testing

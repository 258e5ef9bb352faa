#include "notify/smtp/smtp_mailer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>
#include <sodium.h>

#include "base/ids.h"
#include "base/text.h"
#include "base/utf8.h"
#include "notify/curl_init.h"

namespace tessera {
namespace {

// RFC 5321 4.5.3.1: 64 octets of local part, 255 of domain, 256 of path ("<…>").
constexpr std::size_t kMaxLocalPartBytes = 64;
constexpr std::size_t kMaxAddressBytes = 254;
constexpr std::size_t kMaxDomainLabelBytes = 63;
// RFC 2047 2: an encoded-word is at most 75 characters; 42 bytes are 56 base64 characters, which
// with "=?UTF-8?B?", "?=" and "Subject: " keep a header line within the 78 that RFC 5322 asks.
constexpr std::size_t kEncodedWordBytes = 42;
// Longer plain-ASCII header texts are encoded too, so that they are folded.
constexpr std::size_t kMaxPlainHeaderTextBytes = 900;
// RFC 2045 6.7 (5): quoted-printable lines of at most 76 characters, the soft break's "=" included.
constexpr std::size_t kMaxQuotedPrintableLine = 76;
constexpr std::size_t kMaxReplyBytes = 512;

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const Utf8Char character = decode_utf8_at(text, at);
    if (character.length == 0) return false;
    at += character.length;
  }
  return true;
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 3.2.3 atext.
bool is_atext(char c) {
  return is_ascii_alnum(c) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  if (text.find("..") != std::string_view::npos) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c == '.' || is_atext(c); });
}

bool is_host_name(std::string_view domain) {
  if (domain.empty() || domain.size() > kMaxAddressBytes) return false;
  for (std::size_t start = 0;;) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > kMaxDomainLabelBytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(),
                     [](char c) { return is_ascii_alnum(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// local@domain and nothing else: no display name, no comment, no quoted local part, no list.
bool is_plain_address(std::string_view address) {
  if (address.size() > kMaxAddressBytes) return false;
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos)
    return false;
  const std::string_view local = address.substr(0, at);
  return local.size() <= kMaxLocalPartBytes && is_dot_atom(local) &&
         is_host_name(address.substr(at + 1));
}

std::string_view domain_of(std::string_view address) {
  return address.substr(address.find('@') + 1);
}

// The server's host as a URL's authority wants it: a name or IPv4 address as it is, IPv6 in
// brackets. Empty when it is neither (a "/" or "@" must not rewrite the URL).
std::string url_host(std::string_view host) {
  if (host.find(':') != std::string_view::npos) {
    const bool ipv6 = std::all_of(host.begin(), host.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
             c == ':' || c == '.';
    });
    return ipv6 ? "[" + std::string(host) + "]" : "";
  }
  const bool name = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_';
  });
  return name ? std::string(host) : "";
}

struct Sender {
  std::string address;
  std::string name;
};

// `from` is "address" or "Name <address>" (the name optionally quoted); `from_name` overrides.
Result<Sender> parse_sender(std::string_view from, std::string_view from_name) {
  if (has_line_break(from) || has_line_break(from_name)) {
    return invalid_argument("the sender (email.from) contains a line break");
  }
  Sender sender;
  from = trim_blanks(from);
  const std::size_t open = from.rfind('<');
  if (!from.empty() && from.back() == '>' && open != std::string_view::npos) {
    sender.address = std::string(from.substr(open + 1, from.size() - open - 2));
    std::string_view name = trim_blanks(from.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        sender.name.push_back(name[i]);
      }
    } else {
      sender.name = std::string(name);
    }
  } else {
    sender.address = std::string(from);
  }
  if (!from_name.empty()) sender.name = std::string(trim_blanks(from_name));
  if (!is_plain_address(sender.address)) {
    return invalid_argument(
        "the sender (email.from) is not an address or \"Name <address>\" with one plain address");
  }
  if (!is_valid_utf8(sender.name)) {
    return invalid_argument("the sender's name is not valid UTF-8");
  }
  return sender;
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// RFC 2047 "B" encoded-words of valid UTF-8 `text`, split between characters and folded.
std::string encoded_words(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    std::size_t take = 0;
    while (take < text.size()) {
      const std::size_t length = std::max<std::size_t>(decode_utf8_at(text, take).length, 1);
      if (take + length > kEncodedWordBytes) break;
      take += length;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(0, take)) + "?=";
    text.remove_prefix(take);
  }
  return out;
}

bool can_go_plain(std::string_view text) {
  return is_printable_ascii(text) && text.size() <= kMaxPlainHeaderTextBytes &&
         text.find("=?") == std::string_view::npos;
}

// An unstructured header's text (Subject): as it is when plain ASCII, else encoded-words.
std::string header_text(std::string_view text) {
  return can_go_plain(text) ? std::string(text) : encoded_words(text);
}

std::string from_header(const Sender& sender) {
  if (sender.name.empty()) return sender.address;
  std::string name;
  if (can_go_plain(sender.name)) {
    name = "\"";
    for (char c : sender.name) {
      if (c == '"' || c == '\\') name.push_back('\\');
      name.push_back(c);
    }
    name += "\"";
  } else {
    name = encoded_words(sender.name);
  }
  return name + " <" + sender.address + ">";
}

// RFC 5322 3.3, in UTC: "Mon, 07 Dec 2026 10:46:04 +0000".
std::string rfc5322_date(Timestamp t) {
  static constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date(day);
  const std::chrono::hh_mm_ss time(t - day);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                kWeekdays[std::chrono::weekday(day).c_encoding()],
                static_cast<unsigned>(date.day()), kMonths[static_cast<unsigned>(date.month()) - 1],
                static_cast<int>(date.year()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return out;
}

// RFC 2045 6.7. Line breaks (CRLF, LF or a lone CR) become CRLF hard breaks; "From " at the start
// of a line is encoded so that an mbox on the way cannot turn it into ">From ".
void append_quoted_printable(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::size_t line_length = 0;
  const auto put = [&](const char* piece, std::size_t size) {
    if (line_length + size > kMaxQuotedPrintableLine - 1) {
      out += "=\r\n";
      line_length = 0;
    }
    out.append(piece, size);
    line_length += size;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
      line_length = 0;
      continue;
    }
    const bool ends_line = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
    const bool starts_from_line =
        c == 'F' && line_length == 0 && text.substr(i).starts_with("From ");
    const bool literal =
        ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !ends_line)) &&
        !starts_from_line;
    if (literal) {
      const char character = static_cast<char>(c);
      put(&character, 1);
    } else {
      const char escaped[3] = {'=', kHex[c >> 4], kHex[c & 0x0f]};
      put(escaped, 3);
    }
  }
}

// An upper bound of what append_quoted_printable makes of `size` bytes: 3 characters a byte, plus a
// 3-character soft break every 72 or more characters.
std::size_t quoted_printable_bound(std::size_t size) {
  return 3 * size + 3 * (3 * size / (kMaxQuotedPrintableLine - 4) + 1);
}

void append_part(std::string& mail, std::string_view boundary, std::string_view type,
                 std::string_view content) {
  mail += "--";
  mail += boundary;
  mail += "\r\nContent-Type: ";
  mail += type;
  mail += "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  append_quoted_printable(mail, content);
  mail += "\r\n";
}

struct Upload {
  std::string_view rest;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t bytes = std::min(size * count, upload->rest.size());
  std::memcpy(buffer, upload->rest.data(), bytes);
  upload->rest.remove_prefix(bytes);
  return bytes;
}

// The server's replies, which libcurl hands to the header callback line by line, each kept as
// printable ASCII on one line: the latest, and the latest refusal (4xx or 5xx), which the reply to
// libcurl's QUIT would otherwise hide.
struct ServerReplies {
  std::string partial_line;
  std::string current;  // lines of a multi-line reply read so far
  std::string last;
  std::string last_refusal;
};

void take_reply_line(ServerReplies& replies, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.remove_suffix(1);
  const bool continued = line.size() >= 4 && line[3] == '-';
  std::string_view text = line;
  if (!replies.current.empty()) {
    replies.current.push_back(' ');
    text = line.size() > 4 ? line.substr(4) : std::string_view();
  }
  for (char c : text) {
    if (replies.current.size() >= kMaxReplyBytes) break;
    replies.current.push_back(c >= 0x20 && c <= 0x7e ? c : '?');
  }
  if (!continued) {
    if (replies.current.starts_with('4') || replies.current.starts_with('5')) {
      replies.last_refusal = replies.current;
    }
    replies.last = std::move(replies.current);
    replies.current.clear();
  }
}

std::size_t collect_reply(char* data, std::size_t size, std::size_t count, void* user) {
  auto* replies = static_cast<ServerReplies*>(user);
  const std::size_t bytes = size * count;
  for (std::size_t i = 0; i < bytes; ++i) {
    if (replies->partial_line.size() < kMaxReplyBytes) replies->partial_line.push_back(data[i]);
    if (data[i] == '\n') {
      take_reply_line(*replies, replies->partial_line);
      replies->partial_line.clear();
    }
  }
  return bytes;
}

// "250 2.0.0 Ok: queued as 4F2Zxx1234" (Postfix and many more) → "4F2Zxx1234".
std::string queue_id(std::string_view reply) {
  constexpr std::string_view kMarker = "queued as ";
  const std::size_t at = reply.find(kMarker);
  if (at == std::string_view::npos) return "";
  std::string id;
  for (char c : reply.substr(at + kMarker.size())) {
    if (!is_ascii_alnum(c) && c != '.' && c != '-' && c != '_') break;
    id.push_back(c);
  }
  return id;
}

Status send_failure(CURLcode sent, long code, const ServerReplies& replies, const char* detail) {
  const std::string reply =
      replies.last_refusal.empty() ? std::to_string(code) : replies.last_refusal;
  if (code >= 400 && code < 500)
    return unavailable("the mail server is not taking mail now: " + reply);
  if (sent == CURLE_LOGIN_DENIED) {
    return unauthenticated("the mail server refused the SMTP username and password: " + reply);
  }
  if (code >= 500 && code < 600)
    return invalid_argument("the mail server refused the message: " + reply);
  const std::string why = *detail != '\0' ? std::string(detail) : curl_easy_strerror(sent);
  switch (sent) {
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_READ_ERROR:
      return internal_error("the mail server's answer is not understood: " + why);
    default:
      return unavailable("the mail server cannot be reached: " + why);
  }
}

// Wipes a string that held the message when it goes out of scope, however the scope is left.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& text) : text_(text) {}
  ~WipeOnExit() { wipe_string(text_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string& text_;
};

}  // namespace

Result<SmtpSettings::Security> parse_smtp_security(std::string_view text) {
  if (text == "none") return SmtpSettings::Security::none;
  if (text == "starttls") return SmtpSettings::Security::starttls;
  if (text == "tls") return SmtpSettings::Security::tls;
  return invalid_argument("the SMTP security must be none, starttls or tls");
}

Status check_smtp_settings(const SmtpSettings& settings) {
  if (url_host(settings.host).empty()) {
    return invalid_argument("the SMTP host (email.smtp_host) is not a host name or IP address");
  }
  if (settings.port == 0) return invalid_argument("the SMTP port (email.smtp_port) is 0");
  if (settings.timeout <= std::chrono::milliseconds::zero()) {
    return invalid_argument("the SMTP timeout must be positive");
  }
  auto sender = parse_sender(settings.from, settings.from_name);
  return sender.ok() ? Status() : sender.status();
}

SmtpMailer::SmtpMailer(SmtpSettings settings, const Clock& clock, Rng& rng)
    : settings_(std::move(settings)), clock_(clock), rng_(rng) {
  init_curl_once();
  settings_status_ = check_smtp_settings(settings_);
  if (settings_status_.ok()) {
    Sender sender = *parse_sender(settings_.from, settings_.from_name);
    from_header_ = from_header(sender);
    from_address_ = std::move(sender.address);
  }
}

Result<SendReceipt> SmtpMailer::send_email(const EmailMessage& message) {
  TESSERA_RETURN_IF_ERROR(settings_status_);
  if (has_line_break(message.to)) return invalid_argument("the recipient contains a line break");
  if (!is_plain_address(message.to)) {
    return invalid_argument("the recipient is not one plain email address");
  }
  if (has_line_break(message.subject)) return invalid_argument("the subject contains a line break");
  if (!is_valid_utf8(message.subject)) return invalid_argument("the subject is not valid UTF-8");

  const std::string message_id =
      "<" + new_id(rng_) + "@" + std::string(domain_of(from_address_)) + ">";
  // "=_" cannot occur in quoted-printable, so no part's content can contain the boundary.
  const std::string boundary = "=_tessera_" + new_id(rng_);
  const std::string_view text = message.text.view();
  const std::string_view html = message.html.view();

  std::string mail;
  const WipeOnExit wipe_mail(mail);
  // Reserved up front: a string that grows leaves its old, unwiped buffers behind.
  mail.reserve(2048 + 2 * message.subject.size() + from_header_.size() + message.to.size() +
               quoted_printable_bound(text.size()) + quoted_printable_bound(html.size()));
  mail += "Date: " + rfc5322_date(clock_.now()) + "\r\n";
  mail += "From: " + from_header_ + "\r\n";
  mail += "To: " + message.to + "\r\n";
  mail += "Subject: ";
  mail += header_text(message.subject);
  mail += "\r\nMessage-ID: " + message_id + "\r\n";
  mail += "MIME-Version: 1.0\r\n";
  // RFC 3834: sent by a program, so vacation responders stay quiet.
  mail += "Auto-Submitted: auto-generated\r\n";
  if (html.empty()) {
    mail += "Content-Type: text/plain; charset=UTF-8\r\n";
    mail += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    append_quoted_printable(mail, text);
  } else {
    mail += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
    append_part(mail, boundary, "text/plain", text);
    append_part(mail, boundary, "text/html", html);
    mail += "--" + boundary + "--\r\n";
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return internal_error("libcurl could not start a request");
  CURL* handle = curl.get();
  const bool implicit_tls = settings_.security == SmtpSettings::Security::tls;
  const std::string url = std::string(implicit_tls ? "smtps://" : "smtp://") +
                          url_host(settings_.host) + ":" + std::to_string(settings_.port);
  const std::string mail_from = "<" + from_address_ + ">";
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
      curl_slist_append(nullptr, ("<" + message.to + ">").c_str()), curl_slist_free_all);
  if (!recipients) return internal_error("libcurl could not take the recipient");
  // libcurl wants the password NUL-terminated; this copy is wiped with its SecretBytes. (libcurl
  // keeps a copy of its own, and of the message's chunks in its upload buffer, which it frees
  // unwiped: beyond our reach.)
  SecretBytes password(settings_.password.size() + 1);
  std::memcpy(password.data(), settings_.password.data(), settings_.password.size());
  Upload upload{mail};
  ServerReplies replies;
  char error_detail[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(handle, CURLOPT_USE_SSL,
                   settings_.security == SmtpSettings::Security::none
                       ? static_cast<long>(CURLUSESSL_NONE)
                       : static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(handle, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!settings_.ca_file.empty())
    curl_easy_setopt(handle, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!settings_.username.empty()) {
    curl_easy_setopt(handle, CURLOPT_USERNAME, settings_.username.c_str());
    curl_easy_setopt(handle, CURLOPT_PASSWORD, reinterpret_cast<const char*>(password.data()));
  }
  curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, collect_reply);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &replies);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_detail);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  const CURLcode sent = curl_easy_perform(handle);
  long code = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code);
  if (sent != CURLE_OK) return send_failure(sent, code, replies, error_detail);
  std::string id = queue_id(replies.last);
  return SendReceipt{id.empty() ? message_id : std::move(id)};
}

}  // namespace tessera

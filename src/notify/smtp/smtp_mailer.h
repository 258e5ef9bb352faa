// Email through an SMTP submission server ([email] in the configuration), with libcurl: plain SMTP,
// STARTTLS (required: a server that does not offer it is not used) or implicit TLS (smtps), the
// server's certificate checked against the system's CAs or `ca_file`, TLS 1.2 or later. AUTH only
// when a username is set (a server that offers no AUTH then gets none). Blocking, bounded by
// `timeout`; callers run it off the request threads. Thread-safe: each message uses its own handle.
//
// The message: From, To, Subject (RFC 2047 encoded-words when not plain ASCII), Date, Message-ID
// (<128 random bits in hex @ the sender's domain>), MIME-Version, Auto-Submitted: auto-generated,
// and a multipart/alternative body of text/plain and text/html parts in UTF-8, quoted-printable
// (lines of at most 76 characters, so nothing a server may cut). An email without html goes as
// text/plain alone. The html is sent as given: the mailer adds no remote resource of its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "notify/sender.h"

namespace tessera {

struct SmtpSettings {
  enum class Security {
    none,      // plain SMTP; a password would travel in the clear, so only for a local relay
    starttls,  // smtp:// upgraded with STARTTLS before anything else is said (port 587)
    tls,       // smtps://, TLS from the first byte (port 465)
  };

  std::string host;  // a host name or an IP address (IPv6 without brackets)
  std::uint16_t port = 587;
  Security security = Security::starttls;
  std::string username;  // empty: no AUTH
  SecretBytes password;
  // The sender, used for MAIL FROM, the From header and the Message-ID's domain: either just the
  // address ("tessera@example.com") or with a display name ("Example Sign-in
  // <tessera@example.com>", the name optionally in double quotes). One plain ASCII address as for
  // `EmailMessage::to`.
  std::string from;
  // The display name, UTF-8; when not empty it replaces one given in `from`.
  std::string from_name;
  std::chrono::milliseconds timeout{10'000};  // the whole exchange, connecting included
  // A PEM file of CAs to trust instead of the system's (a private CA, or a test's own); empty: the
  // system's.
  std::string ca_file;
};

// The [email] smtp_security setting: "none" | "starttls" | "tls"; anything else is
// invalid_argument.
Result<SmtpSettings::Security> parse_smtp_security(std::string_view text);

// Whether `settings` can send at all: a host, a sender address that parses, no line break in the
// sender's name. invalid_argument says which is wrong. For the configuration to check at start-up;
// send_email answers the same error for every message otherwise.
Status check_smtp_settings(const SmtpSettings& settings);

class SmtpMailer final : public Mailer {
 public:
  // `clock` dates the messages and `rng` draws their Message-IDs and MIME boundaries; both must
  // outlive the mailer and be thread-safe.
  SmtpMailer(SmtpSettings settings, const Clock& clock, Rng& rng);

  // `message.to` must be one plain address (local@domain: ASCII, dot-atom local part, host-name
  // domain; no display name, no list) and the subject valid UTF-8 without CR or LF, else
  // invalid_argument before any connection is made. Errors: unavailable when the server cannot be
  // reached, times out, fails TLS (its certificate is not trusted, or it offers no STARTTLS) or
  // answers 4xx; invalid_argument when it answers 5xx (a rejected recipient, a refused message),
  // with its reply; unauthenticated when it refuses the username and password; internal for an
  // answer libcurl cannot follow. Never contains the password or the message's text.
  //
  // The receipt's provider_id is the server's queue id when its last reply names one ("queued as
  // X"), else the Message-ID tessera gave the message.
  Result<SendReceipt> send_email(const EmailMessage& message) override;

 private:
  SmtpSettings settings_;
  const Clock& clock_;
  Rng& rng_;
  Status settings_status_;    // check_smtp_settings, once
  std::string from_address_;  // the bare address of settings_.from
  std::string from_header_;   // the From header's value, encoded
};

}  // namespace tessera

// The SMTP mailer against a real SMTP server: Debian's aiosmtpd running smtp_sink.py (beside this
// file) on 127.0.0.1, which keeps what it receives, decoded by Python's email package, and can
// refuse a recipient (550) or put it off (451), require AUTH, and speak STARTTLS or implicit TLS
// with a certificate the test makes with the openssl command. Besides it: a port nobody listens
// on, and a listener that accepts and never says a word.
#include "notify/smtp/smtp_mailer.h"

#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "support/text.h"

namespace tessera {
namespace {

using testing::read_text_file;
using testing::run_shell;
using testing::shell_quote;
using testing::TempDir;

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, which has aiosmtpd
constexpr const char* kPassword = "password-of-the-test";
// 2026-11-18 11:06:50 UTC.
const Timestamp kNow = from_unix_seconds(1'795'000'010);

fs::path sink_script() {
  return fs::path(__FILE__).parent_path() / "smtp_sink.py";
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// smtp_sink.py as a child process, stopped when the object dies.
class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> options = {}) {
    const fs::path port_file = dir_.path() / "port";
    std::vector<std::string> args = {kPython,       sink_script().string(),
                                     "--dir",       dir_.path().string(),
                                     "--port-file", port_file.string()};
    args.insert(args.end(), options.begin(), options.end());
    const std::string log = (dir_.path() / "sink.log").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
      std::vector<char*> argv;
      for (std::string& arg : args)
        argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(kPython, argv.data());
      ::_exit(127);
    }
    // The sink writes its port once it listens; bounded, for a slow machine.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      const std::string port = read_text_file(port_file);
      if (!port.empty()) {
        port_ = static_cast<std::uint16_t>(std::stoi(port));
        if (accepts_connections(port_)) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the SMTP sink did not start (is python3-aiosmtpd installed? see "
                     "scripts/install-deps.sh): "
                  << read_text_file(log);
    port_ = 0;
  }
  ~SmtpSink() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return port_; }
  // What the sink kept of message `number` (1, 2, …): "eml", "subject", "from", "to", "text",
  // "html", "types", "meta".
  std::string received(int number, const std::string& what) const {
    return read_text_file(dir_.path() / (std::to_string(number) + "." + what));
  }
  bool received_any() const { return fs::exists(dir_.path() / "1.eml"); }
  std::string auth_attempts() const { return read_text_file(dir_.path() / "auth_attempts"); }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// A socket on 127.0.0.1 that listens (the kernel completes connections) and never accepts or
// writes, or is only bound (connections are refused).
class QuietSocket {
 public:
  explicit QuietSocket(bool listening) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    if (listening) ::listen(fd_, 8);
  }
  ~QuietSocket() { ::close(fd_); }
  QuietSocket(const QuietSocket&) = delete;
  QuietSocket& operator=(const QuietSocket&) = delete;

  std::uint16_t port() const { return port_; }
  bool was_connected_to() const {
    pollfd pending{fd_, POLLIN, 0};
    return ::poll(&pending, 1, 0) == 1;
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

// A self-signed certificate for 127.0.0.1, made with the openssl command.
struct TestCertificate {
  TempDir dir;
  fs::path cert = dir.path() / "cert.pem";
  fs::path key = dir.path() / "key.pem";

  TestCertificate() {
    const int made = run_shell(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
        " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        shell_quote(key.string()) + " -out " + shell_quote(cert.string()) + " >/dev/null 2>&1");
    EXPECT_EQ(made, 0) << "openssl could not make a test certificate";
  }
};

SmtpSettings settings_for(std::uint16_t port) {
  SmtpSettings settings;
  settings.host = "127.0.0.1";
  settings.port = port;
  settings.security = SmtpSettings::Security::none;
  settings.from = "Example Sign-in <signin@example.com>";
  settings.timeout = std::chrono::milliseconds(5000);
  return settings;
}

EmailMessage email_to(std::string to) {
  EmailMessage message;
  message.to = std::move(to);
  message.subject = "Your sign-in code";
  message.text = SecretBytes::from_string("Your code is 424242.\n");
  message.html = SecretBytes::from_string("<p>Your code is <b>424242</b>.</p>\n");
  return message;
}

std::string with_crlf(const std::string& text) {
  return std::regex_replace(text, std::regex("\r?\n"), "\r\n");
}

class SmtpMailerTest : public ::testing::Test {
 protected:
  Result<SendReceipt> send(const SmtpSettings& settings, const EmailMessage& message) {
    SmtpMailer mailer(settings, clock_, rng_);
    return mailer.send_email(message);
  }

  ManualClock clock_{kNow};
  DeterministicRng rng_{7};
};

TEST_F(SmtpMailerTest, DeliversBothPartsWithTheHeadersAMailReaderNeeds) {
  SmtpSink sink;
  EmailMessage message = email_to("alice@example.org");
  message.subject = "Votre code de connexion — été ✓";

  const auto receipt = send(settings_for(sink.port()), message);

  ASSERT_TRUE(receipt.ok()) << receipt.status().to_string();
  EXPECT_EQ(receipt->provider_id, "Q1");  // the sink's "queued as Q1"
  EXPECT_EQ(sink.received(1, "meta"),
            "mail_from: signin@example.com\nrcpt: alice@example.org\ntls: no\nauth: -\n");
  EXPECT_EQ(sink.received(1, "subject"), "Votre code de connexion — été ✓");
  EXPECT_EQ(sink.received(1, "from"), "Example Sign-in <signin@example.com>");
  EXPECT_EQ(sink.received(1, "to"), "alice@example.org");
  EXPECT_EQ(sink.received(1, "types"), "multipart/alternative\ntext/plain\ntext/html\n");
  EXPECT_EQ(sink.received(1, "text"), "Your code is 424242.\r\n");
  EXPECT_EQ(sink.received(1, "html"), "<p>Your code is <b>424242</b>.</p>\r\n");
  const std::string eml = sink.received(1, "eml");
  EXPECT_TRUE(eml.starts_with("Date: Wed, 18 Nov 2026 11:06:50 +0000\r\n")) << eml;
  EXPECT_TRUE(
      std::regex_search(eml, std::regex("\r\nMessage-ID: <[0-9a-f]{32}@example\\.com>\r\n")))
      << eml;
  EXPECT_NE(eml.find("\r\nMIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(eml.find("\r\nSubject: =?UTF-8?B?"), std::string::npos) << eml;
  EXPECT_NE(eml.find("Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n"),
            std::string::npos);
  EXPECT_NE(eml.find("Content-Type: text/html; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n"),
            std::string::npos);
}

TEST_F(SmtpMailerTest, TheTextsUtf8AndLinesSurviveInShortAsciiLines) {
  SmtpSink sink;
  const std::string long_word(300, 'x');
  const std::string text = "Bonjour Zoë, 你好, 👋\n" + long_word + "é\nends in a space \n" +
                           "From the team\n.\n= sign =3D\r\nlast line without a break";
  const std::string html = "<p>Grüße " + long_word + "</p>\n<p>From us</p>";
  EmailMessage message = email_to("zoe@example.org");
  message.text = SecretBytes::from_string(text);
  message.html = SecretBytes::from_string(html);

  const auto receipt = send(settings_for(sink.port()), message);

  ASSERT_TRUE(receipt.ok()) << receipt.status().to_string();
  EXPECT_EQ(sink.received(1, "text"), with_crlf(text));
  EXPECT_EQ(sink.received(1, "html"), with_crlf(html));
  const std::string eml = sink.received(1, "eml");
  EXPECT_EQ(eml.find("\r\nFrom "), std::string::npos) << "an mbox would mangle it";
  for (const std::string& line : testing::lines_of(eml)) {
    EXPECT_LE(line.size(), 78u) << line;
    for (char c : line)
      ASSERT_TRUE((c >= 0x20 && c < 0x7f) || c == '\r' || c == '\t') << "not 7-bit: " << line;
  }
}

TEST_F(SmtpMailerTest, AnEmailWithoutHtmlGoesAsPlainText) {
  SmtpSink sink;
  EmailMessage message = email_to("alice@example.org");
  message.html = SecretBytes();

  ASSERT_TRUE(send(settings_for(sink.port()), message).ok());

  EXPECT_EQ(sink.received(1, "types"), "text/plain\n");
  EXPECT_EQ(sink.received(1, "text"), "Your code is 424242.\r\n");
}

TEST_F(SmtpMailerTest, TheSettingsDisplayNameIsEncodedWhenNotAscii) {
  SmtpSink sink;
  SmtpSettings settings = settings_for(sink.port());
  settings.from = "signin@example.com";
  settings.from_name = "Équipe Tessera";

  ASSERT_TRUE(send(settings, email_to("alice@example.org")).ok());

  EXPECT_EQ(sink.received(1, "from"), "Équipe Tessera <signin@example.com>");
  EXPECT_NE(sink.received(1, "eml").find("\r\nFrom: =?UTF-8?B?"), std::string::npos);
}

TEST_F(SmtpMailerTest, RefusesHeaderInjectionAndListsWithoutConnecting) {
  QuietSocket server(/*listening=*/true);
  const SmtpSettings settings = settings_for(server.port());
  const std::vector<std::string> bad_recipients = {
      "alice@example.org\r\nBcc: mallory@example.net",
      "alice@example.org\nBcc: mallory@example.net",
      "Alice <alice@example.org>",
      "alice@example.org, mallory@example.net",
      "alice@example.org\r\n.\r\nMAIL FROM:<x@example.net>",
      "alice",
      "alice@@example.org",
      "al ice@example.org",
      "",
  };
  for (const std::string& to : bad_recipients) {
    const auto sent = send(settings, email_to(to));
    ASSERT_FALSE(sent.ok()) << to;
    EXPECT_EQ(sent.status().code(), ErrorCode::invalid_argument) << to;
  }
  EmailMessage subject_injection = email_to("alice@example.org");
  subject_injection.subject = "Hello\r\nBcc: mallory@example.net";
  EXPECT_EQ(send(settings, subject_injection).status().code(), ErrorCode::invalid_argument);
  subject_injection.subject = "Hello\nBcc: mallory@example.net";
  EXPECT_EQ(send(settings, subject_injection).status().code(), ErrorCode::invalid_argument);

  SmtpSettings from_injection = settings;
  from_injection.from = "signin@example.com\r\nBcc: mallory@example.net";
  EXPECT_EQ(send(from_injection, email_to("alice@example.org")).status().code(),
            ErrorCode::invalid_argument);
  from_injection = settings;
  from_injection.from_name = "Sign-in\nBcc: mallory@example.net";
  EXPECT_EQ(send(from_injection, email_to("alice@example.org")).status().code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(check_smtp_settings(from_injection).code(), ErrorCode::invalid_argument);

  EXPECT_FALSE(server.was_connected_to());
}

TEST_F(SmtpMailerTest, ARejectedRecipientIsInvalidArgumentWithTheServersReply) {
  SmtpSink sink({"--reject-rcpt", "nobody@example.org"});
  const auto sent = send(settings_for(sink.port()), email_to("nobody@example.org"));

  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), ErrorCode::invalid_argument);
  const std::string& error = sent.status().message();
  EXPECT_NE(error.find("550 5.1.1 <nobody@example.org>: Recipient address rejected"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("424242"), std::string::npos) << error;
  EXPECT_FALSE(sink.received_any());
}

TEST_F(SmtpMailerTest, ATemporaryRefusalIsUnavailable) {
  SmtpSink sink({"--tempfail-rcpt", "busy@example.org"});

  const auto sent = send(settings_for(sink.port()), email_to("busy@example.org"));

  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), ErrorCode::unavailable);
  EXPECT_NE(sent.status().message().find("451 4.3.0"), std::string::npos)
      << sent.status().message();
}

TEST_F(SmtpMailerTest, APortNobodyListensOnIsUnavailable) {
  QuietSocket closed(/*listening=*/false);

  const auto sent = send(settings_for(closed.port()), email_to("alice@example.org"));

  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), ErrorCode::unavailable) << sent.status().to_string();
}

TEST_F(SmtpMailerTest, AServerThatNeverAnswersTimesOutAsUnavailableWithinTheTimeout) {
  QuietSocket silent(/*listening=*/true);
  SmtpSettings settings = settings_for(silent.port());
  settings.timeout = std::chrono::milliseconds(300);

  const auto started = std::chrono::steady_clock::now();
  const auto sent = send(settings, email_to("alice@example.org"));
  const auto took = std::chrono::steady_clock::now() - started;

  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), ErrorCode::unavailable) << sent.status().to_string();
  EXPECT_TRUE(silent.was_connected_to());
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST_F(SmtpMailerTest, NoAuthIsAttemptedWithoutAUsername) {
  SmtpSink sink({"--auth", "mailer:" + std::string(kPassword)});  // offers AUTH, does not need it
  SmtpSettings settings = settings_for(sink.port());
  settings.password = SecretBytes::from_string(kPassword);

  ASSERT_TRUE(send(settings, email_to("alice@example.org")).ok());

  EXPECT_EQ(sink.auth_attempts(), "");
  EXPECT_NE(sink.received(1, "meta").find("auth: -\n"), std::string::npos);
}

TEST_F(SmtpMailerTest, AuthenticatesWithTheUsernameAndPassword) {
  SmtpSink sink({"--auth", "mailer:" + std::string(kPassword), "--require-auth"});
  SmtpSettings settings = settings_for(sink.port());
  settings.username = "mailer";
  settings.password = SecretBytes::from_string(kPassword);

  const auto sent = send(settings, email_to("alice@example.org"));

  ASSERT_TRUE(sent.ok()) << sent.status().to_string();
  EXPECT_NE(sink.received(1, "meta").find("auth: mailer\n"), std::string::npos);
}

TEST_F(SmtpMailerTest, AWrongPasswordIsUnauthenticatedAndTheErrorHoldsNoSecret) {
  SmtpSink sink({"--auth", "mailer:the-right-one", "--require-auth"});
  SmtpSettings settings = settings_for(sink.port());
  settings.username = "mailer";
  settings.password = SecretBytes::from_string(kPassword);

  const auto sent = send(settings, email_to("alice@example.org"));

  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), ErrorCode::unauthenticated) << sent.status().to_string();
  EXPECT_NE(sent.status().message().find("535"), std::string::npos) << sent.status().message();
  EXPECT_EQ(sent.status().message().find(kPassword), std::string::npos);
  EXPECT_EQ(sent.status().message().find("424242"), std::string::npos);
  EXPECT_FALSE(sink.received_any());
}

TEST_F(SmtpMailerTest, StartTlsCarriesTheMessageAndTheLoginOverTls) {
  TestCertificate certificate;
  SmtpSink sink({"--tls", certificate.cert.string(), certificate.key.string(), "--starttls",
                 "--auth", "mailer:" + std::string(kPassword), "--require-auth"});
  SmtpSettings settings = settings_for(sink.port());
  settings.security = SmtpSettings::Security::starttls;
  settings.ca_file = certificate.cert.string();
  settings.username = "mailer";
  settings.password = SecretBytes::from_string(kPassword);

  const auto sent = send(settings, email_to("alice@example.org"));

  ASSERT_TRUE(sent.ok()) << sent.status().to_string();
  EXPECT_EQ(sink.received(1, "meta"),
            "mail_from: signin@example.com\nrcpt: alice@example.org\ntls: yes\nauth: mailer\n");
}

TEST_F(SmtpMailerTest, ImplicitTlsCarriesTheMessage) {
  TestCertificate certificate;
  SmtpSink sink({"--tls", certificate.cert.string(), certificate.key.string(), "--implicit-tls"});
  SmtpSettings settings = settings_for(sink.port());
  settings.security = SmtpSettings::Security::tls;
  settings.ca_file = certificate.cert.string();

  const auto sent = send(settings, email_to("alice@example.org"));

  ASSERT_TRUE(sent.ok()) << sent.status().to_string();
  EXPECT_NE(sink.received(1, "meta").find("tls: yes\n"), std::string::npos);
}

TEST_F(SmtpMailerTest, AnUntrustedCertificateIsUnavailableAndNothingIsSent) {
  TestCertificate certificate;
  SmtpSink sink({"--tls", certificate.cert.string(), certificate.key.string(), "--starttls"});
  SmtpSettings settings = settings_for(sink.port());
  settings.security = SmtpSettings::Security::starttls;  // the system's CAs, which do not know it

  const auto sent = send(settings, email_to("alice@example.org"));

  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), ErrorCode::unavailable) << sent.status().to_string();
  EXPECT_FALSE(sink.received_any());
}

TEST_F(SmtpMailerTest, StartTlsIsRequiredNotHoped) {
  SmtpSink sink;  // offers no STARTTLS
  SmtpSettings settings = settings_for(sink.port());
  settings.security = SmtpSettings::Security::starttls;
  settings.username = "mailer";
  settings.password = SecretBytes::from_string(kPassword);

  const auto sent = send(settings, email_to("alice@example.org"));

  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.status().code(), ErrorCode::unavailable) << sent.status().to_string();
  EXPECT_EQ(sink.auth_attempts(), "");
  EXPECT_FALSE(sink.received_any());
}

TEST(SmtpSecurity, ParsesTheThreeConfigurationWords) {
  EXPECT_EQ(*parse_smtp_security("none"), SmtpSettings::Security::none);
  EXPECT_EQ(*parse_smtp_security("starttls"), SmtpSettings::Security::starttls);
  EXPECT_EQ(*parse_smtp_security("tls"), SmtpSettings::Security::tls);
  EXPECT_EQ(parse_smtp_security("ssl").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(parse_smtp_security("").status().code(), ErrorCode::invalid_argument);
}

TEST(SmtpSettingsCheck, TakesAnAddressWithOrWithoutANameAndNothingElse) {
  SmtpSettings settings;
  settings.host = "smtp.example.com";
  for (const char* from : {"signin@example.com", "Example <signin@example.com>",
                           "\"Example, Inc.\" <signin@example.com>"}) {
    settings.from = from;
    EXPECT_TRUE(check_smtp_settings(settings).ok()) << from;
  }
  for (const char* from : {"", "signin", "<>", "a@example.com, b@example.com", "Example <x>"}) {
    settings.from = from;
    EXPECT_EQ(check_smtp_settings(settings).code(), ErrorCode::invalid_argument) << from;
  }
  settings.from = "signin@example.com";
  for (const char* host : {"", "smtp.example.com/path", "user@smtp.example.com"}) {
    settings.host = host;
    EXPECT_EQ(check_smtp_settings(settings).code(), ErrorCode::invalid_argument) << host;
  }
}

}  // namespace
}  // namespace tessera

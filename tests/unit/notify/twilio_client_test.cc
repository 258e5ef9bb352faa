// The Twilio client against a gateway in the test (Boost.Beast on 127.0.0.1, port 0) that records
// what it is sent and answers as Twilio does: the form, the Basic auth, the path; Twilio's errors;
// a gateway that fails or hangs.
#include "notify/twilio/twilio_client.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/url/parse_query.hpp>
#include <gtest/gtest.h>

namespace tessera {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct Recorded {
  std::string method;
  std::string target;
  std::string authorization;
  std::string content_type;
  std::map<std::string, std::string> form;
};

// One connection at a time; answers every request with `status` and `body`, or never (hang).
class FakeGateway {
 public:
  FakeGateway() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeGateway() {
    stopping_ = true;
    boost::system::error_code ignored;
    asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  void answer(int status, std::string body) {
    std::lock_guard lock(mutex_);
    status_ = status;
    body_ = std::move(body);
  }
  void hang() { hang_ = true; }
  std::vector<Recorded> recorded() {
    std::lock_guard lock(mutex_);
    return recorded_;
  }

 private:
  void serve() {
    while (!stopping_) {
      asio::ip::tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (error || stopping_) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(socket, buffer, request, error);
      if (error) continue;
      Recorded seen{std::string(request.method_string()),
                    std::string(request.target()),
                    std::string(request[http::field::authorization]),
                    std::string(request[http::field::content_type]),
                    {}};
      auto params = boost::urls::parse_query(request.body());
      if (params) {
        for (const auto& param : *params)
          seen.form[param.key.decode()] = param.value.decode();
      }
      {
        std::lock_guard lock(mutex_);
        recorded_.push_back(std::move(seen));
      }
      if (hang_) {
        while (!stopping_)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return;
      }
      http::response<http::string_body> response;
      {
        std::lock_guard lock(mutex_);
        response.result(static_cast<unsigned>(status_));
        response.body() = body_;
      }
      response.set(http::field::content_type, "application/json");
      response.prepare_payload();
      http::write(socket, response, error);
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stopping_ = false;
  std::atomic<bool> hang_ = false;
  std::mutex mutex_;
  int status_ = 201;
  std::string body_ = R"({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})";
  std::vector<Recorded> recorded_;
};

TwilioSettings settings_for(const FakeGateway& gateway) {
  TwilioSettings settings;
  settings.api_base_url = gateway.url() + "/";
  settings.account_sid = "AC00000000000000000000000000000001";
  settings.auth_token = SecretBytes::from_string("token-of-the-test");
  settings.from = "+15005550006";
  settings.timeout = std::chrono::milliseconds(2000);
  return settings;
}

TEST(TwilioClient, SendsATextAsTwilioDocuments) {
  FakeGateway gateway;
  TwilioClient client(settings_for(gateway));
  auto receipt = client.send_text("+447700900123", "Your Contoso code is 123456 & more");
  ASSERT_TRUE(receipt.ok()) << receipt.status().message();
  EXPECT_EQ(receipt->sid, "SM0123456789abcdef0123456789abcdef");
  EXPECT_EQ(receipt->status, "queued");
  const auto seen = gateway.recorded();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target,
            "/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json");
  // Basic base64("AC…0001:token-of-the-test")
  EXPECT_EQ(seen[0].authorization,
            "Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMTp0b2tlbi1vZi10aGUtdGVzdA==");
  EXPECT_EQ(seen[0].content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(seen[0].form.at("To"), "+447700900123");
  EXPECT_EQ(seen[0].form.at("From"), "+15005550006");
  EXPECT_EQ(seen[0].form.at("Body"), "Your Contoso code is 123456 & more");
}

TEST(TwilioClient, PlacesACallThatFetchesItsTwimlWithPost) {
  FakeGateway gateway;
  gateway.answer(201, R"({"sid": "CA0123456789abcdef0123456789abcdef", "status": "queued"})");
  TwilioClient client(settings_for(gateway));
  auto receipt = client.place_call("+447700900123", "https://id.example.com/voice?call=a1&x=2");
  ASSERT_TRUE(receipt.ok()) << receipt.status().message();
  EXPECT_EQ(receipt->sid, "CA0123456789abcdef0123456789abcdef");
  const auto seen = gateway.recorded();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/2010-04-01/Accounts/AC00000000000000000000000000000001/Calls.json");
  EXPECT_EQ(seen[0].form.at("Url"), "https://id.example.com/voice?call=a1&x=2");
  EXPECT_EQ(seen[0].form.at("Method"), "POST");
}

TEST(TwilioClient, ARefusalCarriesTwiliosCodeAndMessageButNeverTheToken) {
  FakeGateway gateway;
  gateway.answer(
      400,
      R"({"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})");
  TwilioClient client(settings_for(gateway));
  auto refused = client.send_text("+1555", "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::invalid_argument);
  EXPECT_NE(refused.status().message().find("21211"), std::string::npos);
  EXPECT_NE(refused.status().message().find("not a valid phone number"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("token-of-the-test"), std::string::npos);
}

TEST(TwilioClient, AFailingGatewayIsUnavailableAndAnUnknownAnswerIsAnError) {
  FakeGateway gateway;
  gateway.answer(500, "oops");
  TwilioClient client(settings_for(gateway));
  EXPECT_EQ(client.send_text("+447700900123", "x").status().code(), ErrorCode::unavailable);
  gateway.answer(200, "<html>not json</html>");
  EXPECT_EQ(client.send_text("+447700900123", "x").status().code(), ErrorCode::internal);
  gateway.answer(201, R"({"status": "queued"})");
  EXPECT_EQ(client.send_text("+447700900123", "x").status().code(), ErrorCode::internal);
  gateway.answer(201, std::string(70 * 1024, ' ') + "{}");
  EXPECT_EQ(client.send_text("+447700900123", "x").status().code(), ErrorCode::internal)
      << "an answer over 64 KiB is not read";
}

TEST(TwilioClient, AHangingGatewayTimesOut) {
  FakeGateway gateway;
  gateway.hang();
  TwilioSettings settings = settings_for(gateway);
  settings.timeout = std::chrono::milliseconds(200);
  TwilioClient client(settings);
  EXPECT_EQ(client.send_text("+447700900123", "x").status().code(), ErrorCode::unavailable);
}

TEST(TwilioClient, NoGatewayIsUnavailable) {
  std::string closed_url;
  {
    FakeGateway gone;
    closed_url = gone.url();
  }
  TwilioSettings settings;
  settings.api_base_url = closed_url;
  settings.account_sid = "AC1";
  settings.auth_token = SecretBytes::from_string("t");
  settings.from = "+15005550006";
  TwilioClient client(settings);
  EXPECT_EQ(client.send_text("+447700900123", "x").status().code(), ErrorCode::unavailable);
}

}  // namespace
}  // namespace tessera

// The voice webhook (POST /voice/call/{id} and …/answer) as a Twilio-compatible gateway calls it,
// over a real SQLite store: every request must carry X-Twilio-Signature under the auth token
// (HMAC-SHA1 of the full URL and the sorted form parameters); the first request gets TwiML that
// says the call's words and gathers one key, the second records the key once.
#include <gtest/gtest.h>

#include "crypto/twilio_signature.h"
#include "http/pages/delivery_routes.h"
#include "http/router.h"
#include "service/deliveries.h"
#include "unit/service/service_fixture.h"

namespace tessera {
namespace {

constexpr const char* kPublicUrl = "https://id.example.com";
constexpr const char* kToken = "12345";

class VoiceWebhook : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    NewUserRecord();
    context_.emplace(
        DeliveryRoutesContext{*store_, clock_, kPublicUrl, SecretBytes::from_string(kToken),
                              nullptr, SecretBytes(std::vector<std::uint8_t>(32, 3)), "Contoso"});
    add_delivery_routes(router_, *context_);
  }

  // A user and a call to them the gateway has placed.
  void NewUserRecord() {
    User user;
    user.id = "u1";
    user.upn = "alice@example.com";
    user.display_name = "Alice";
    user.password_hash = "x";
    ASSERT_TRUE(store_->create_user(user, nullptr).ok());
    add_call("call1", "CA1", true);
  }

  // A call to the user the gateway has placed; `reports_fraud` as a sign-in's call, else as the
  // call verifying a phone being added.
  void add_call(const std::string& id, const std::string& sid, bool reports_fraud) {
    Outgoing call{DeliveryChannel::call, "+447400123456", "",
                  SecretBytes::from_string("This is Contoso. Press the pound key."), SecretBytes()};
    Delivery delivery;
    delivery.id = id;
    delivery.reports_fraud = reports_fraud;
    delivery.channel = DeliveryChannel::call;
    delivery.destination = call.to;
    delivery.user_id = "u1";
    delivery.content = encode_content(call);
    delivery.created_at = delivery.updated_at = clock_.now();
    ASSERT_TRUE(store_->add_delivery(delivery).ok());
    auto claimed = store_->claim_delivery(clock_.now(), clock_.now());
    ASSERT_TRUE(claimed.ok() && *claimed);
    ASSERT_TRUE(*store_->finish_delivery(id, DeliveryStatus::sent, sid, "", true, clock_.now()));
  }

  Response post(const std::string& path, const FormParameters& form, const std::string& token) {
    Request request;
    request.method = HttpMethod::post;
    request.target = request.path = path;
    std::string body;
    for (const auto& [name, value] : form) {
      if (!body.empty()) body += "&";
      body += name + "=";
      for (const char c : value) {  // form-encoded as a gateway sends it
        if (c == '+') {
          body += "%2B";
        } else if (c == '#') {
          body += "%23";
        } else {
          body.push_back(c);
        }
      }
    }
    request.body = body;
    request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    if (!token.empty()) {
      request.headers.emplace_back("x-twilio-signature",
                                   twilio_signature(token, std::string(kPublicUrl) + path, form));
    }
    auto found = router_.lookup(HttpMethod::post, request.path);
    if (std::holds_alternative<Response>(found)) return std::get<Response>(found);
    Router::Match match = std::get<Router::Match>(found);
    request.path_params = match.params;
    return (*match.handler)(request);
  }

  const FormParameters kCall{{"AccountSid", "AC1"}, {"CallSid", "CA1"}, {"To", "+447400123456"}};
  Router router_;
  std::optional<DeliveryRoutesContext> context_;
};

TEST_F(VoiceWebhook, UnsignedOrWronglySignedRequestsAreRefused) {
  EXPECT_EQ(post("/voice/call/call1", kCall, "").status, 403);
  EXPECT_EQ(post("/voice/call/call1", kCall, "wrong-token").status, 403);
  FormParameters answer = kCall;
  answer.emplace_back("Digits", "#");
  EXPECT_EQ(post("/voice/call/call1/answer", answer, "wrong-token").status, 403);
  EXPECT_EQ(store_->find_delivery("call1")->answer, CallAnswer::none);
}

TEST_F(VoiceWebhook, TheCallSaysItsWordsAndGathersOneKey) {
  const Response response = post("/voice/call/call1", kCall, kToken);
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("<Gather"), std::string::npos);
  EXPECT_NE(response.body.find("This is Contoso. Press the pound key."), std::string::npos);
  EXPECT_NE(response.body.find("action=\"https://id.example.com/voice/call/call1/answer\""),
            std::string::npos);
}

TEST_F(VoiceWebhook, PoundApprovesOnceAndTheCallThenEnds) {
  FormParameters answer = kCall;
  answer.emplace_back("Digits", "#");
  const Response first = post("/voice/call/call1/answer", answer, kToken);
  ASSERT_EQ(first.status, 200);
  EXPECT_NE(first.body.find("Thank you"), std::string::npos);
  EXPECT_EQ(store_->find_delivery("call1")->answer, CallAnswer::approved);
  // A replayed or later answer changes nothing, and the call's words are gone.
  FormParameters other = kCall;
  other.emplace_back("Digits", "0");
  const Response again = post("/voice/call/call1/answer", other, kToken);
  EXPECT_NE(again.body.find("no longer needed"), std::string::npos);
  EXPECT_EQ(store_->find_delivery("call1")->answer, CallAnswer::approved);
  EXPECT_NE(post("/voice/call/call1", kCall, kToken).body.find("no longer needed"),
            std::string::npos);
}

TEST_F(VoiceWebhook, ZeroReportsFraudAndOtherKeysDeny) {
  FormParameters answer = kCall;
  answer.emplace_back("Digits", "0");
  EXPECT_NE(post("/voice/call/call1/answer", answer, kToken).body.find("report"),
            std::string::npos);
  EXPECT_EQ(store_->find_delivery("call1")->answer, CallAnswer::fraud_reported);
}

TEST_F(VoiceWebhook, ZeroOnARegistrationsCallOnlyDeclines) {
  // Whoever answers a mistyped number cannot report, and so block, someone else's account.
  add_call("call2", "CA2", false);
  FormParameters answer = kCall;
  answer.emplace_back("Digits", "0");
  const Response response = post("/voice/call/call2/answer", answer, kToken);
  EXPECT_NE(response.body.find("not approved"), std::string::npos) << response.body;
  EXPECT_EQ(store_->find_delivery("call2")->answer, CallAnswer::denied);
  EXPECT_TRUE(store_->find_delivery("call2")->reports_fraud == false);
  EXPECT_TRUE(store_->find_delivery("call1")->reports_fraud);
}

TEST_F(VoiceWebhook, AnUnknownCallIsToldItEnded) {
  const Response response = post("/voice/call/nosuchcall", kCall, kToken);
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("no longer needed"), std::string::npos);
}

}  // namespace
}  // namespace tessera

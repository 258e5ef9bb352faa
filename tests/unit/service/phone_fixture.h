// PhoneSignInTest: the sign-in service with the real delivery path (queue and dispatcher) in front
// of a gateway that records texts, calls and emails.
#pragma once

#include <mutex>

#include "service/delivery_dispatcher.h"
#include "unit/service/sign_in_fixture.h"

namespace tessera {

// A gateway that records what it was given, and fails while told to.
class RecordingGateway final : public TextSender, public VoiceCaller, public Mailer {
 public:
  Result<SendReceipt> send_email(const EmailMessage& message) override {
    std::lock_guard lock(mutex);
    emails.push_back(message.to + ": " + message.subject);
    email_texts.push_back(std::string(message.text.view()));
    return SendReceipt{"EM" + std::to_string(emails.size())};
  }
  Result<SendReceipt> send_text(const TextMessage& message) override {
    std::lock_guard lock(mutex);
    if (failing) return unavailable("gateway answered 500");
    texts.push_back(std::string(message.body.view()));
    texted_to.push_back(message.to);
    return SendReceipt{"SM" + std::to_string(texts.size())};
  }
  Result<SendReceipt> place_call(const VoiceCall& call) override {
    std::lock_guard lock(mutex);
    if (failing) return unavailable("gateway answered 500");
    calls.push_back(call);
    return SendReceipt{"CA" + std::to_string(calls.size())};
  }
  std::string last_code() {
    std::lock_guard lock(mutex);
    if (texts.empty()) return "";
    const std::string& text = texts.back();
    const auto at = text.find("code ");
    return at == std::string::npos ? "" : text.substr(at + 5, 6);
  }

  std::mutex mutex;
  bool failing = false;
  std::vector<std::string> texts;
  std::vector<std::string> texted_to;  // beside texts
  std::vector<VoiceCall> calls;
  std::vector<std::string> emails;       // "to: subject"
  std::vector<std::string> email_texts;  // beside emails
};

class PhoneSignInTest : public SignInServiceTest {
 protected:
  void SetUp() override {
    SignInServiceTest::SetUp();
    if (HasFatalFailure()) return;
    sign_in_.emplace(*store_, methods_, hashing_, *sessions_, clock_, rng_, name_key_,
                     SignInSettings{1000, "Contoso", &queue_});
    DispatchSettings settings;
    settings.tries = 2;
    settings.retry_backoff = std::chrono::milliseconds(0);
    settings.public_url = "https://id.example.com";
    dispatcher_.emplace(*store_, clock_, Gateways{&gateway_, &gateway_, &gateway_}, settings);
  }

  // From "More information required" to the phone's number page, then the number.
  SignInPage register_number(SignInPage page, const std::string& way) {
    page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
    page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "phone");
    EXPECT_EQ(step_name(page.flow.step), "phone_number");
    return *sign_in_->submit_method_answer(
        page.flow_id, "phone_number",
        FormValues{{"region", "GB"}, {"number", "07400 123456"}, {"way", way}}, kClient);
  }

  bool done(const SignInPage& page) {
    return std::holds_alternative<step::StaySignedIn>(page.flow.step) ||
           std::holds_alternative<step::SignedIn>(page.flow.step);
  }

  DeliveryQueue queue_{10};
  RecordingGateway gateway_;
  std::optional<DeliveryDispatcher> dispatcher_;
};

}  // namespace tessera

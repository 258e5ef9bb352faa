// Flows round-trip through their stored form, and damaged bytes are refused, never trusted.
#include "service/flow_codec.h"

#include <gtest/gtest.h>

#include "base/rng.h"

namespace tessera {
namespace {

SignInFlow flow_at(SignInStep step) {
  SignInFlow flow = start_flow(from_unix_seconds(1'795'000'000));
  flow.step = std::move(step);
  flow.wrong_codes = 3;
  flow.mfa_required = true;
  flow.decided_by = "user_state_enabled";
  flow.method_used = "authenticator_app";
  flow.registered_in_flow = true;
  flow.notice = SignInFlow::Notice::too_many_attempts;
  return flow;
}

TEST(FlowCodec, EveryStepRoundTrips) {
  const SecretBytes secret = SecretBytes::from_string("12345678901234567890");
  const std::vector<SignInStep> steps = {
      step::EnterUsername{},
      step::EnterPassword{"alice@example.com"},
      step::UpdatePassword{"u1"},
      step::MoreInformationRequired{"u1", true},
      step::ChooseMethod{"u1"},
      step::Registering{"u1", "authenticator_app", "set_up_app", secret},
      step::Registering{"u1", "authenticator_app", "verify_app", secret},
      step::Challenging{"u1", "m1", "authenticator_app", "enter_code", {}},
      step::StaySignedIn{"u1"},
      step::SignedIn{"u1", true},
  };
  for (const SignInStep& step : steps) {
    const SignInFlow original = flow_at(step);
    auto decoded = decode_flow(encode_flow(original));
    ASSERT_TRUE(decoded.ok()) << step_name(step);
    EXPECT_EQ(step_name(decoded->step), step_name(step));
    EXPECT_EQ(decoded->started_at, original.started_at);
    EXPECT_EQ(decoded->expires_at, original.expires_at);
    EXPECT_EQ(decoded->wrong_codes, 3);
    EXPECT_TRUE(decoded->mfa_required);
    EXPECT_EQ(decoded->decided_by, "user_state_enabled");
    EXPECT_EQ(decoded->method_used, "authenticator_app");
    EXPECT_TRUE(decoded->registered_in_flow);
    EXPECT_EQ(decoded->notice, SignInFlow::Notice::too_many_attempts);
  }
  auto set_up = decode_flow(
      encode_flow(flow_at(step::Registering{"u1", "authenticator_app", "set_up_app", secret})));
  const auto& registering = std::get<step::Registering>(set_up->step);
  EXPECT_TRUE(registering.state.equals(secret));
  EXPECT_EQ(registering.kind, "authenticator_app");
  EXPECT_EQ(registering.stage, "set_up_app");
  auto code = decode_flow(encode_flow(
      flow_at(step::Challenging{"u1", "m1", "authenticator_app", "enter_code", secret})));
  const auto& challenging = std::get<step::Challenging>(code->step);
  EXPECT_EQ(challenging.method_id, "m1");
  EXPECT_EQ(challenging.kind, "authenticator_app");
  EXPECT_EQ(challenging.stage, "enter_code");
  EXPECT_TRUE(challenging.state.equals(secret));
}

TEST(FlowCodec, DamagedOrForeignBytesAreDataLoss) {
  for (const char* text :
       {"", "{", "[]", "null", "{\"step\":\"teleport\"}",
        "{\"step\":\"set_up_app\",\"secret\":\"zz\"}",
        "{\"codec\":2,\"flow\":\"sign_in\",\"step\":\"registering\",\"stage\":"
        "\"s\",\"state\":\"zz\"}",
        "{\"codec\":2,\"flow\":\"sign_in\",\"step\":\"challenging\"}", "\xff\xfe garbage"}) {
    EXPECT_EQ(decode_flow(SecretBytes::from_string(text)).status().code(), ErrorCode::data_loss)
        << text;
  }
}

TEST(FlowCodec, RandomBytesNeverCrashTheDecoder) {
  DeterministicRng rng(77);
  for (int i = 0; i < 2000; ++i) {
    const SecretBytes bytes = rng.secret_bytes(rng.uniform(64));
    (void)decode_flow(bytes);
  }
  // Mutations of a valid flow: decoded or refused, never trusted blindly or crashing.
  const SecretBytes valid =
      encode_flow(flow_at(step::Challenging{"u1", "m1", "authenticator_app", "enter_code", {}}));
  for (int i = 0; i < 2000; ++i) {
    SecretBytes mutated = valid;
    mutated.data()[rng.uniform(static_cast<std::uint32_t>(mutated.size()))] =
        static_cast<std::uint8_t>(rng.uniform(256));
    (void)decode_flow(mutated);
  }
  SUCCEED();
}

}  // namespace
}  // namespace tessera

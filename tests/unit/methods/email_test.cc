#include "methods/email/email.h"

#include <gtest/gtest.h>

#include "base/rng.h"

namespace tessera {
namespace {

const Timestamp kNow = from_unix_seconds(1'795'000'020);
const ViewContext kWho{"alice@contoso.com", "Contoso"};

std::string code_in(const Outgoing& message) {
  const std::string_view text = message.text.view();
  const auto at = text.find("code ");
  return at == std::string_view::npos ? "" : std::string(text.substr(at + 5, 6));
}

class EmailTest : public ::testing::Test {
 protected:
  MethodContext at(Timestamp now) {
    MethodContext context{rng_, now, kWho, std::nullopt};
    context.policy = &policy_;
    return context;
  }
  RegistrationAnswer address(const std::string& typed) {
    return email_.answer_registration(email_.begin_registration(at(kNow)),
                                      FormValues{{"email", typed}}, at(kNow));
  }
  Method registered(const std::string& address) {
    Method method;
    method.id = "m1";
    method.kind = MethodKind::email;
    method.detail = address;
    method.label = address;
    return method;
  }

  DeterministicRng rng_{7};
  OrgPolicy policy_;
  Email email_;
};

TEST(EmailAddress, TakesPlainAddressesAndLowersTheDomain) {
  EXPECT_EQ(email_address(" Alice.Smith+mfa@Example.ORG "), "Alice.Smith+mfa@example.org");
  for (const char* bad :
       {"", "alice", "alice@", "@example.org", "alice@example", "al..ice@example.org",
        ".alice@example.org", "alice.@example.org", "\"alice\"@example.org", "alice@exa_mple.org",
        "alice smith@example.org", "alice@example.org\r\nBcc: x@example.org", "a@b@example.org"}) {
    EXPECT_FALSE(email_address(bad)) << bad;
  }
  EXPECT_FALSE(email_address(std::string(65, 'a') + "@example.org"));
  EXPECT_FALSE(email_address("a@" + std::string(250, 'b') + ".org"));
  EXPECT_EQ(masked_email("alice@example.org"), "al*****@example.org");
  EXPECT_EQ(masked_email("a@example.org"), "a*****@example.org");
}

TEST_F(EmailTest, AnAddressGetsACodeByEmailThatRegistersItOnce) {
  RegistrationAnswer moved = address("alice.home@example.net");
  ASSERT_EQ(moved.outcome, RegistrationAnswer::Outcome::next_stage);
  ASSERT_TRUE(moved.next.send);
  const Outgoing& mail = *moved.next.send;
  EXPECT_EQ(mail.channel, DeliveryChannel::email);
  EXPECT_EQ(mail.to, "alice.home@example.net");
  EXPECT_EQ(mail.subject, "Contoso verification code");
  const std::string code = code_in(mail);
  ASSERT_EQ(code.size(), 6u);
  // Both parts carry the code and the tenant; neither a link, a remote image or the user's name.
  for (const SecretBytes* part : {&mail.text, &mail.html}) {
    EXPECT_NE(part->view().find(code), std::string_view::npos);
    EXPECT_NE(part->view().find("Contoso"), std::string_view::npos);
    EXPECT_EQ(part->view().find("http"), std::string_view::npos);
    EXPECT_EQ(part->view().find("src="), std::string_view::npos);
    EXPECT_EQ(part->view().find("alice@contoso.com"), std::string_view::npos);
  }
  EXPECT_TRUE(email_.checks_answer(moved.next));
  EXPECT_EQ(email_.answer_registration(moved.next, {{"code", "000000"}}, at(kNow)).outcome,
            RegistrationAnswer::Outcome::wrong);
  RegistrationAnswer accepted =
      email_.answer_registration(moved.next, {{"code", code}}, at(kNow + std::chrono::minutes(9)));
  ASSERT_EQ(accepted.outcome, RegistrationAnswer::Outcome::accepted);
  EXPECT_EQ(accepted.detail, "alice.home@example.net");
  EXPECT_EQ(
      email_.answer_registration(moved.next, {{"code", code}}, at(kNow + std::chrono::minutes(11)))
          .outcome,
      RegistrationAnswer::Outcome::wrong);
}

TEST_F(EmailTest, AnAddressInTheOrganizationsDomainsIsRefusedWithASentence) {
  policy_.organization_domains = {"contoso.com"};
  for (const char* own : {"alice@contoso.com", "alice@Mail.Contoso.com"}) {
    RegistrationAnswer refused = address(own);
    EXPECT_EQ(refused.outcome, RegistrationAnswer::Outcome::invalid) << own;
    EXPECT_NE(refused.problem.find("outside your organization"), std::string::npos);
    EXPECT_FALSE(refused.next.send);
  }
  EXPECT_EQ(address("alice@notcontoso.com").outcome, RegistrationAnswer::Outcome::next_stage);
  RegistrationAnswer malformed = address("not an address");
  EXPECT_EQ(malformed.outcome, RegistrationAnswer::Outcome::invalid);
  EXPECT_NE(malformed.problem.find("name@example.com"), std::string::npos);
}

TEST_F(EmailTest, ServesSignInOnlyWherePolicyAllowsButCanAlwaysBeRegistered) {
  AllowedMethods allowed;
  EXPECT_FALSE(allowed.email);
  EXPECT_FALSE(email_.allowed_by(allowed));
  EXPECT_TRUE(email_.registrable_by(allowed));
  EXPECT_TRUE(email_.challenge_options(registered("alice@example.net"), allowed).empty());
  allowed.email = true;
  const auto options = email_.challenge_options(registered("alice@example.net"), allowed);
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].text, "Email al*****@example.net");
}

TEST_F(EmailTest, APasswordResetsCodeSaysItResetsThePassword) {
  const Method method = registered("alice@example.net");
  MethodContext context = at(kNow);
  const ViewContext resetting{"alice@contoso.com", "Contoso", true};
  context.who = resetting;
  const MethodStage challenge = email_.begin_challenge(method, context);
  ASSERT_TRUE(challenge.send);
  const std::string text(challenge.send->text.view());
  EXPECT_NE(text.find("Someone is resetting the password of your Contoso account."),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("signing in"), std::string::npos) << text;
  EXPECT_EQ(std::string(challenge.send->html.view()).find("signing in"), std::string::npos);
  const MethodView view = email_.challenge_view(challenge, resetting);
  ASSERT_FALSE(view.values.empty());
  EXPECT_EQ(view.values[0].second,
            "We emailed a code to al*****@example.net. Please enter the code to reset your "
            "password.");
}

TEST_F(EmailTest, AChallengeSendsACodeThatSignsInOnceAndOnlyForThatAddress) {
  const Method method = registered("alice@example.net");
  const MethodStage challenge = email_.begin_challenge(method, at(kNow));
  ASSERT_TRUE(challenge.send);
  EXPECT_EQ(challenge.send->to, "alice@example.net");
  const std::string code = code_in(*challenge.send);
  const MethodView view = email_.challenge_view(challenge, kWho);
  ASSERT_FALSE(view.values.empty());
  EXPECT_EQ(view.values[0].second,
            "We emailed a code to al*****@example.net. Please enter the code to sign in.");
  EXPECT_EQ(email_.answer_challenge(challenge, method, {{"code", "123"}}, at(kNow)).outcome,
            event::CodeOutcome::wrong);
  EXPECT_EQ(email_.answer_challenge(challenge, method, {{"code", code}}, at(kNow)).outcome,
            event::CodeOutcome::accepted);
  // The method changed to another address meanwhile: the old stage proves nothing.
  EXPECT_EQ(
      email_
          .answer_challenge(challenge, registered("alice@example.org"), {{"code", code}}, at(kNow))
          .outcome,
      event::CodeOutcome::wrong);
}

TEST_F(EmailTest, ANoticeIsAnEmailWithTheTextEscapedInItsHtml) {
  const auto notice =
      email_.notice(registered("alice@example.net"), "A method <b>was</b> added.", kWho);
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->channel, DeliveryChannel::email);
  EXPECT_EQ(notice->to, "alice@example.net");
  EXPECT_NE(notice->html.view().find("A method &lt;b&gt;was&lt;/b&gt; added."),
            std::string_view::npos);
}

}  // namespace
}  // namespace tessera

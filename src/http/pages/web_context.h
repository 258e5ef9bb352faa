// What the page handlers share: the services they call and the settings of the web front end.
#pragma once

#include <string>

#include "base/clock.h"
#include "base/rng.h"
#include "base/secret_bytes.h"
#include "methods/sign_in_method.h"
#include "service/fraud_reports.h"
#include "service/password_reset_service.h"
#include "service/security_info_service.h"
#include "service/session_service.h"
#include "service/sign_in_service.h"
#include "storage/store.h"

namespace tessera {

class ForwardAuth;
class OidcProvider;

struct WebContext {
  SignInService& sign_in;
  SessionService& sessions;
  SecurityInfoService& security_info;
  const MethodRegistry& methods;
  const Clock& clock;
  std::string tenant_name;  // shown on every page, and by methods as the issuer
  SecretBytes csrf_key;     // 32 bytes derived from the master key
  FraudReports& fraud_reports;
  PasswordResetService& password_reset;
  // The OpenID Connect provider; null: no app can sign in through tessera (its routes are off).
  OidcProvider* oidc = nullptr;
  // Forward auth for reverse proxies (/auth/verify, /signin?rd=); null: off.
  ForwardAuth* forward_auth = nullptr;
};

}  // namespace tessera

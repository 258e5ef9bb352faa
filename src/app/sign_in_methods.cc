// The composition root of sign-in methods: a method is offered by adding its folder under
// src/methods/ and one line here. The order is the order people see them in.
#include "app/runtime.h"
#include "methods/authenticator_app/authenticator_app.h"
#include "methods/email/email.h"
#include "methods/phone/phone.h"

namespace tessera {

MethodRegistry sign_in_methods() {
  MethodRegistry methods;
  methods.add(std::make_unique<AuthenticatorApp>());
  methods.add(std::make_unique<Phone>(PhoneLine::main));
  methods.add(std::make_unique<Phone>(PhoneLine::alternate));
  methods.add(std::make_unique<Email>());
  return methods;
}

}  // namespace tessera

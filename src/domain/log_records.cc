#include "domain/log_records.h"

namespace tessera {

std::string_view to_string(SignInResult result) {
  switch (result) {
    case SignInResult::success:
      return "success";
    case SignInResult::failure:
      return "failure";
    case SignInResult::interrupted:
      return "interrupted";
  }
  return "failure";
}

std::optional<SignInResult> parse_sign_in_result(std::string_view text) {
  if (text == "success") return SignInResult::success;
  if (text == "failure") return SignInResult::failure;
  if (text == "interrupted") return SignInResult::interrupted;
  return std::nullopt;
}

}  // namespace tessera

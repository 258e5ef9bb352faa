// Errors as values. A Status is either ok or carries an ErrorCode and a one-line message meant for
// a person (an operator reading stderr, or a log line). No exception crosses a module boundary:
// code that calls a throwing library catches at its edge and returns a Status.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace tessera {

enum class ErrorCode {
  ok = 0,
  invalid_argument,     // the caller's input is malformed or out of range
  not_found,            // the named thing does not exist
  already_exists,       // a unique name is taken
  permission_denied,    // the actor may not do this
  unauthenticated,      // credentials missing or wrong
  resource_exhausted,   // a limit or quota is reached; retry later
  failed_precondition,  // the system is not in a state that allows this
  unavailable,          // a dependency (database, gateway) cannot be reached; retry later
  internal,             // a bug or an unexpected failure of a dependency
  data_loss,            // stored data is corrupt or cannot be decrypted
};

std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == ErrorCode::ok; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "not_found: no user alice@example.com" — for logs; people see message() alone.
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::ok;
  std::string message_;
};

inline Status invalid_argument(std::string message) {
  return {ErrorCode::invalid_argument, std::move(message)};
}
inline Status not_found(std::string message) {
  return {ErrorCode::not_found, std::move(message)};
}
inline Status already_exists(std::string message) {
  return {ErrorCode::already_exists, std::move(message)};
}
inline Status permission_denied(std::string message) {
  return {ErrorCode::permission_denied, std::move(message)};
}
inline Status unauthenticated(std::string message) {
  return {ErrorCode::unauthenticated, std::move(message)};
}
inline Status resource_exhausted(std::string message) {
  return {ErrorCode::resource_exhausted, std::move(message)};
}
inline Status failed_precondition(std::string message) {
  return {ErrorCode::failed_precondition, std::move(message)};
}
inline Status unavailable(std::string message) {
  return {ErrorCode::unavailable, std::move(message)};
}
inline Status internal_error(std::string message) {
  return {ErrorCode::internal, std::move(message)};
}
inline Status data_loss(std::string message) {
  return {ErrorCode::data_loss, std::move(message)};
}

}  // namespace tessera

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define TESSERA_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::tessera::Status tessera_status_ = (expr);        \
    if (!tessera_status_.ok()) return tessera_status_; \
  } while (false)

// Result<T>: a value or a non-ok Status. Reading value() of an error (or status() of a value) is a
// programming error and aborts, so misuse is loud in tests rather than undefined.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/status.h"

namespace tessera {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Status>, "use Status directly");

 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    if (std::get<1>(state_).ok()) std::abort();  // an ok Status carries no value
  }

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    return ok() ? std::get<0>(state_) : (std::abort(), std::get<0>(state_));
  }
  T& value() & { return ok() ? std::get<0>(state_) : (std::abort(), std::get<0>(state_)); }
  T&& value() && { return std::move(value()); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(value()); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; an ok Result has none.
  const Status& status() const& {
    static const Status ok_status;
    return ok() ? ok_status : std::get<1>(state_);
  }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Status> state_;
};

}  // namespace tessera

// `TESSERA_ASSIGN_OR_RETURN(auto user, store.find_user(id));` — declares `user` from the value or
// returns the error from the enclosing function (which must return Status or Result<U>).
#define TESSERA_CONCAT_INNER_(a, b) a##b
#define TESSERA_CONCAT_(a, b) TESSERA_CONCAT_INNER_(a, b)
#define TESSERA_ASSIGN_OR_RETURN(declaration, expr)             \
  auto TESSERA_CONCAT_(tessera_result_, __LINE__) = (expr);     \
  if (!TESSERA_CONCAT_(tessera_result_, __LINE__).ok())         \
    return TESSERA_CONCAT_(tessera_result_, __LINE__).status(); \
  declaration = std::move(TESSERA_CONCAT_(tessera_result_, __LINE__)).value()

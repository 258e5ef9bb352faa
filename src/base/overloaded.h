// Overloaded{lambdas...}: one visitor from several lambdas, for std::visit over a variant.
#pragma once

namespace tessera {

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace tessera

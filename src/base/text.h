// Small helpers for text from the network and from configuration.
#pragma once

#include <string_view>

namespace tessera {

// `text` without the spaces and tabs around it (HTTP's OWS, a header's or a form field's padding).
std::string_view trim_blanks(std::string_view text);

}  // namespace tessera

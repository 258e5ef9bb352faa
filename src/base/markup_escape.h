// Text for XML and HTML documents built by hand (TwiML, a page fragment a method renders).
#pragma once

#include <string>
#include <string_view>

namespace tessera {

// `text` escaped for XML or HTML character data and attribute values (& < > " ').
std::string xml_escape(std::string_view text);

}  // namespace tessera

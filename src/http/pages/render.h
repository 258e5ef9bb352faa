// Server-side HTML: a page template (src/http/templates/<name>.mustache, embedded in the binary)
// rendered inside the layout, with the security headers every page carries (CSP without scripts,
// no framing, no referrer, no-store).
#pragma once

#include <kainjow/mustache.hpp>
#include <string>
#include <string_view>

#include "http/response.h"

namespace tessera {

using PageData = kainjow::mustache::data;

// `data` gets "tenant" added. Mustache escapes {{values}}; only {{{body}}} in the layout is raw.
Response render_page(int status, std::string_view template_name, std::string_view title,
                     PageData data, std::string_view tenant);

// GET /static/tessera.css
Response stylesheet();

// A list value for templates.
inline PageData page_list() {
  return PageData(PageData::type::list);
}
inline PageData page_flag(bool value) {
  return PageData(value ? PageData::type::bool_true : PageData::type::bool_false);
}

}  // namespace tessera

// Server-side HTML: a page template (src/http/templates/<name>.mustache, embedded in the binary)
// rendered inside the layout, with the security headers every page carries (CSP without scripts,
// no framing, no referrer, no-store).
#pragma once

#include <functional>
#include <kainjow/mustache.hpp>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/response.h"

namespace tessera {

using PageData = kainjow::mustache::data;

// `data` gets "tenant" added. Mustache escapes {{values}}; only {{{body}}} in the layout is raw.
Response render_page(int status, std::string_view template_name, std::string_view title,
                     PageData data, std::string_view tenant);

// Every template the pages render (by name, without ".mustache"), the layout included.
std::span<const std::string_view> page_template_names();

// Parses each of `names` from `source` (a name's text, "" when there is none): failed_precondition
// naming the first template that is missing or does not parse, with the parser's message.
Status check_templates(std::span<const std::string_view> names,
                       const std::function<std::string_view(std::string_view)>& source);
// check_templates() over page_template_names() and the templates embedded in the binary: the
// server runs it before it listens, so a broken template stops it with a clear message instead of
// a 500 on the first request that needs it.
Status check_page_templates();

// Like render_page(), for a template that is not the pages' own (a sign-in method's), given as
// text and compiled once per thread under `key`.
Response render_page_text(int status, std::string_view key, std::string_view template_text,
                          std::string_view title, PageData data, std::string_view tenant);

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

#include "app/cli/text_table.h"

#include <algorithm>
#include <cstdio>

#include "base/utf8.h"

namespace tessera {
namespace {

struct CodePointRange {
  char32_t first;
  char32_t last;
};

// Characters a terminal shows as nothing or as blank space, or that reorder what follows (bidi
// controls). Any of them could make one cell look like two, or hide what a cell holds.
constexpr CodePointRange kInvisible[] = {
    {0x0080, 0x00a0},    // C1 controls, no-break space
    {0x00ad, 0x00ad},    // soft hyphen
    {0x034f, 0x034f},    // combining grapheme joiner
    {0x061c, 0x061c},    // Arabic letter mark
    {0x115f, 0x1160},    // Hangul fillers
    {0x1680, 0x1680},    // Ogham space mark
    {0x17b4, 0x17b5},    // Khmer inherent vowels
    {0x180b, 0x180f},    // Mongolian variation selectors and vowel separator
    {0x2000, 0x200f},    // spaces, zero-width space and joiners, LRM, RLM
    {0x2028, 0x202f},    // line and paragraph separators, bidi embeddings, narrow no-break space
    {0x205f, 0x206f},    // medium mathematical space, word joiner, bidi isolates
    {0x2800, 0x2800},    // Braille pattern blank
    {0x3000, 0x3000},    // ideographic space
    {0x3164, 0x3164},    // Hangul filler
    {0xe000, 0xf8ff},    // private use
    {0xfdd0, 0xfdef},    // noncharacters
    {0xfe00, 0xfe0f},    // variation selectors
    {0xfeff, 0xfeff},    // zero-width no-break space (byte order mark)
    {0xffa0, 0xffa0},    // halfwidth Hangul filler
    {0xfff0, 0xfffb},    // unassigned, interlinear annotation controls
    {0x1d173, 0x1d17a},  // musical formatting controls
    {0xe0000, 0xe0fff},  // tags, variation selectors supplement
    {0xf0000, 0x10ffff}  // private use planes
};

bool is_invisible(char32_t code_point) {
  if ((code_point & 0xfffe) == 0xfffe) return true;  // U+xFFFE and U+xFFFF in every plane
  return std::any_of(std::begin(kInvisible), std::end(kInvisible), [&](const CodePointRange& r) {
    return code_point >= r.first && code_point <= r.last;
  });
}

bool is_control(unsigned char byte) {
  return byte < 0x20 || byte == 0x7f;
}

bool prints_bare(std::string_view text) {
  if (text.empty() || text == "-" || text.front() == ' ' || text.back() == ' ') return false;
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = decode_utf8_at(text, i);
    if (c.length == 0 || is_invisible(c.code_point)) return false;
    if (c.code_point < 0x80) {
      const auto byte = static_cast<unsigned char>(c.code_point);
      if (is_control(byte) || byte == '"' || byte == '\\') return false;
      if (byte == ' ' && text[i + 1] == ' ') return false;  // no space at the end, checked above
    }
    i += c.length;
  }
  return true;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  char buffer[16];
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = decode_utf8_at(text, i);
    if (c.length == 0) {
      std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned char>(text[i]));
      out += buffer;
      ++i;
      continue;
    }
    const char32_t code_point = c.code_point;
    if (code_point == '"') {
      out += "\\\"";
    } else if (code_point == '\\') {
      out += "\\\\";
    } else if (code_point == '\t') {
      out += "\\t";
    } else if (code_point == '\n') {
      out += "\\n";
    } else if (code_point == '\r') {
      out += "\\r";
    } else if (code_point == ' ') {
      const bool single = i > 0 && i + 1 < text.size() && text[i - 1] != ' ' && text[i + 1] != ' ';
      out += single ? " " : "\\x20";
    } else if (code_point < 0x80 && is_control(static_cast<unsigned char>(code_point))) {
      std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(code_point));
      out += buffer;
    } else if (is_invisible(code_point)) {
      std::snprintf(buffer, sizeof buffer, "\\u{%04x}", static_cast<unsigned>(code_point));
      out += buffer;
    } else {
      out.append(text.substr(i, c.length));
    }
    i += c.length;
  }
  return out + "\"";
}

// Columns a cell takes: its code points (a printed cell is valid UTF-8). Wide characters of
// some scripts take two, so alignment may be off there, but the two spaces between cells stay.
std::size_t width(std::string_view cell) {
  return static_cast<std::size_t>(std::count_if(cell.begin(), cell.end(), [](char byte) {
    return (static_cast<unsigned char>(byte) & 0xc0) != 0x80;
  }));
}

}  // namespace

std::string table_cell(std::string_view text) {
  if (text.empty()) return "-";
  return prints_bare(text) ? std::string(text) : quoted(text);
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    std::vector<std::string>& printed = cells.emplace_back();
    for (const std::string& text : row)
      printed.push_back(table_cell(text));
    widths.resize(std::max(widths.size(), printed.size()));
    for (std::size_t i = 0; i < printed.size(); ++i)
      widths[i] = std::max(widths[i], width(printed[i]));
  }
  std::string out;
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - width(row[i]) + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

}  // namespace tessera

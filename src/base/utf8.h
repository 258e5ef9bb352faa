// Strict UTF-8 (RFC 3629): overlong forms, surrogates (U+D800-U+DFFF) and anything above U+10FFFF
// are invalid. For code that must treat text typed by strangers exactly, byte by byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tessera {

struct Utf8Char {
  char32_t code_point = 0;
  std::size_t length = 0;  // bytes taken from the text; 0 when they are not valid UTF-8
};

// The character that starts at text[at] (precondition: at < text.size()). When the bytes there are
// not valid UTF-8, length is 0 and the caller decides what to do with the single byte text[at].
Utf8Char decode_utf8_at(std::string_view text, std::size_t at);

// `text` with every byte that is not part of valid UTF-8 replaced by U+FFFD, so it can go where
// only valid UTF-8 is allowed (JSON). Valid text comes back unchanged.
std::string to_valid_utf8(std::string_view text);

}  // namespace tessera

// QR codes (libqrencode, error correction level M) rendered as SVG (for pages) or PNG.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tessera {

struct QrRenderOptions {
  int module_pixels = 6;  // PNG: pixels per module (1-32); SVG scales freely
  int quiet_zone_modules = 4;
};

// invalid_argument when `text` is empty or too long for a QR code.
Result<std::string> qr_svg(std::string_view text, const QrRenderOptions& options = {});
Result<std::vector<std::uint8_t>> qr_png(std::string_view text,
                                         const QrRenderOptions& options = {});

}  // namespace tessera

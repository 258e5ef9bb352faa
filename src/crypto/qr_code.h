// QR codes (libqrencode, error correction level M) rendered as SVG, for pages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tessera {

struct QrRenderOptions {
  int quiet_zone_modules = 4;
};

// One unit per module: a white square and one path of dark runs ("Mx,yhNv1h-Nz"), which scales
// freely. invalid_argument when `text` is empty or too long for a QR code.
Result<std::string> qr_svg(std::string_view text, const QrRenderOptions& options = {});

}  // namespace tessera

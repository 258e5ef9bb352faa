#include "crypto/qr_code.h"

#include <memory>
#include <string>

#include <qrencode.h>

namespace tessera {
namespace {

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
using QrPointer = std::unique_ptr<QRcode, QrDeleter>;

Result<QrPointer> encode(std::string_view text) {
  if (text.empty()) return invalid_argument("nothing to put in a QR code");
  const std::string terminated(text);
  QrPointer code(QRcode_encodeString8bit(terminated.c_str(), 0, QR_ECLEVEL_M));
  if (!code) return invalid_argument("the text is too long for a QR code");
  return code;
}

bool dark(const QRcode& code, int x, int y) {
  return (code.data[y * code.width + x] & 1) != 0;
}

}  // namespace

Result<std::string> qr_svg(std::string_view text, const QrRenderOptions& options) {
  TESSERA_ASSIGN_OR_RETURN(QrPointer code, encode(text));
  const int size = code->width + 2 * options.quiet_zone_modules;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    std::to_string(size) + " " + std::to_string(size) +
                    "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">"
                    "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (!dark(*code, x, y)) continue;
      // Runs of dark modules become one rectangle, keeping the path short.
      int run = 1;
      while (x + run < code->width && dark(*code, x + run, y))
        ++run;
      svg += "M" + std::to_string(x + options.quiet_zone_modules) + "," +
             std::to_string(y + options.quiet_zone_modules) + "h" + std::to_string(run) + "v1h-" +
             std::to_string(run) + "z";
      x += run - 1;
    }
  }
  svg += "\"/></svg>";
  return svg;
}

}  // namespace tessera

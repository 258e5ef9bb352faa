#include "crypto/qr_code.h"

#include <memory>
#include <string>

#include <png.h>
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

Result<std::vector<std::uint8_t>> qr_png(std::string_view text, const QrRenderOptions& options) {
  if (options.module_pixels < 1 || options.module_pixels > 32) {
    return invalid_argument("QR module size must be 1-32 pixels");
  }
  TESSERA_ASSIGN_OR_RETURN(QrPointer code, encode(text));
  const int modules = code->width + 2 * options.quiet_zone_modules;
  const int pixels = modules * options.module_pixels;

  std::vector<std::uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) return internal_error("cannot start a PNG image");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return internal_error("cannot write a PNG image");
  }
  png_set_write_fn(
      png, &out,
      [](png_structp writer, png_bytep data, png_size_t length) {
        auto* buffer = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(writer));
        buffer->insert(buffer->end(), data, data + length);
      },
      nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(pixels), static_cast<png_uint_32>(pixels), 8,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  std::vector<png_byte> row(static_cast<std::size_t>(pixels));
  for (int py = 0; py < pixels; ++py) {
    const int y = py / options.module_pixels - options.quiet_zone_modules;
    for (int px = 0; px < pixels; ++px) {
      const int x = px / options.module_pixels - options.quiet_zone_modules;
      const bool inside = x >= 0 && y >= 0 && x < code->width && y < code->width;
      row[static_cast<std::size_t>(px)] = inside && dark(*code, x, y) ? 0 : 255;
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace tessera

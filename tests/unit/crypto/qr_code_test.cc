#include "crypto/qr_code.h"

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace tessera {
namespace {

std::string run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    output += buffer;
  pclose(pipe);
  return output;
}

// What a phone camera does: read the image back. zbarimg decodes our PNG to the same text.
TEST(QrCode, PngDecodesBackToTheText) {
  ASSERT_EQ(std::system("command -v zbarimg >/dev/null"), 0) << "zbarimg is not installed";
  const std::string text =
      "otpauth://totp/Contoso:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Contoso";
  auto png = qr_png(text);
  ASSERT_TRUE(png.ok());
  testing::TempDir dir;
  const auto path = dir.path() / "qr.png";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
  EXPECT_EQ(run("zbarimg --quiet --raw " + path.string() + " 2>/dev/null"), text + "\n");
}

TEST(QrCode, SvgIsAnAccessibleImage) {
  auto svg = qr_svg("otpauth://totp/x?secret=AAAA");
  ASSERT_TRUE(svg.ok());
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg->find("aria-label=\"QR code\""), std::string::npos);
  EXPECT_NE(svg->find("<path"), std::string::npos);
}

TEST(QrCode, RefusesEmptyAndOversizedText) {
  EXPECT_EQ(qr_svg("").status().code(), ErrorCode::invalid_argument);
  EXPECT_EQ(qr_png(std::string(5000, 'x')).status().code(), ErrorCode::invalid_argument);
  QrRenderOptions options;
  options.module_pixels = 0;
  EXPECT_EQ(qr_png("x", options).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace tessera

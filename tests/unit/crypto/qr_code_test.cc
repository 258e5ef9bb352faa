#include "crypto/qr_code.h"

#include <cstdio>
#include <fstream>
#include <regex>
#include <vector>

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

// The SVG's dark runs as a bitmap (PBM), 4 pixels a module: what a screen shows the camera.
std::string svg_as_pbm(const std::string& svg) {
  const std::regex view_box("viewBox=\"0 0 (\\d+) (\\d+)\"");
  std::smatch size_match;
  if (!std::regex_search(svg, size_match, view_box)) return "";
  const int size = std::stoi(size_match[1]);
  std::vector<std::vector<bool>> dark(static_cast<std::size_t>(size),
                                      std::vector<bool>(static_cast<std::size_t>(size)));
  const std::regex run("M(\\d+),(\\d+)h(\\d+)v1h-\\d+z");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), run); it != std::sregex_iterator();
       ++it) {
    const int x = std::stoi((*it)[1]);
    const int y = std::stoi((*it)[2]);
    for (int i = 0; i < std::stoi((*it)[3]); ++i)
      dark[static_cast<std::size_t>(y)][static_cast<std::size_t>(x + i)] = true;
  }
  constexpr int kScale = 4;
  std::string pbm =
      "P1\n" + std::to_string(size * kScale) + " " + std::to_string(size * kScale) + "\n";
  for (int py = 0; py < size * kScale; ++py) {
    for (int px = 0; px < size * kScale; ++px)
      pbm += dark[static_cast<std::size_t>(py / kScale)][static_cast<std::size_t>(px / kScale)]
                 ? "1 "
                 : "0 ";
    pbm += "\n";
  }
  return pbm;
}

// What a phone camera does: read the image back. zbarimg decodes the page's SVG, drawn as a
// bitmap, to the same text.
TEST(QrCode, SvgDecodesBackToTheText) {
  ASSERT_EQ(std::system("command -v zbarimg >/dev/null"), 0) << "zbarimg is not installed";
  const std::string text =
      "otpauth://totp/Contoso:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Contoso";
  auto svg = qr_svg(text);
  ASSERT_TRUE(svg.ok());
  const std::string pbm = svg_as_pbm(*svg);
  ASSERT_FALSE(pbm.empty()) << *svg;
  testing::TempDir dir;
  const auto path = dir.path() / "qr.pbm";
  std::ofstream(path) << pbm;
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
  EXPECT_EQ(qr_svg(std::string(5000, 'x')).status().code(), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace tessera

#include "app/cli/text_table.h"

#include <regex>

#include <gtest/gtest.h>

namespace tessera {
namespace {

// What a script (or a reader's eye) does with a row: cells are what runs of two or more spaces
// separate.
std::vector<std::string> split_on_space_runs(const std::string& line) {
  static const std::regex separator(" {2,}");
  return {std::sregex_token_iterator(line.begin(), line.end(), separator, -1),
          std::sregex_token_iterator()};
}

TEST(TableCell, PlainTextAndSingleSpacesPrintAsTheyAre) {
  EXPECT_EQ(table_cell("alice@example.com"), "alice@example.com");
  EXPECT_EQ(table_cell("Alice Smith"), "Alice Smith");
  EXPECT_EQ(table_cell("Zo\xc3\xab M\xc3\xbcller"), "Zo\xc3\xab M\xc3\xbcller");
  EXPECT_EQ(table_cell("\xe5\xb1\xb1\xe7\x94\xb0"), "\xe5\xb1\xb1\xe7\x94\xb0");
}

TEST(TableCell, EmptyIsADashAndADashIsQuoted) {
  EXPECT_EQ(table_cell(""), "-");
  EXPECT_EQ(table_cell("-"), "\"-\"");
}

TEST(TableCell, SpaceRunsAndSpacesAtTheEndsAreEscapedInQuotes) {
  EXPECT_EQ(table_cell("admin@example.com  203.0.113.9  success"),
            "\"admin@example.com\\x20\\x20203.0.113.9\\x20\\x20success\"");
  EXPECT_EQ(table_cell(" alice"), "\"\\x20alice\"");
  EXPECT_EQ(table_cell("alice "), "\"alice\\x20\"");
  EXPECT_EQ(table_cell("a b  c"), "\"a b\\x20\\x20c\"");
}

TEST(TableCell, QuotesBackslashesAndControlBytesAreEscaped) {
  EXPECT_EQ(table_cell("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(table_cell("C:\\x20"), "\"C:\\\\x20\"");
  EXPECT_EQ(table_cell("a\tb\nc\rd"), "\"a\\tb\\nc\\rd\"");
  EXPECT_EQ(table_cell(std::string("a\x1b[2Jb\x7f", 7)), "\"a\\x1b[2Jb\\x7f\"");
  EXPECT_EQ(table_cell(std::string("a\0b", 3)), "\"a\\x00b\"");
}

TEST(TableCell, InvisibleCharactersAndInvalidUtf8AreEscaped) {
  // No-break spaces look like a space run; a right-to-left override reorders what follows.
  EXPECT_EQ(table_cell("a\xc2\xa0\xc2\xa0z"), "\"a\\u{00a0}\\u{00a0}z\"");
  EXPECT_EQ(table_cell("a\xe3\x80\x80z"), "\"a\\u{3000}z\"");
  EXPECT_EQ(table_cell("a\xe2\x80\xaez"), "\"a\\u{202e}z\"");
  EXPECT_EQ(table_cell("a\xe2\x80\x8bz"), "\"a\\u{200b}z\"");
  EXPECT_EQ(table_cell("\xef\xbb\xbf"), "\"\\u{feff}\"");
  EXPECT_EQ(table_cell("a\xffz"), "\"a\\xffz\"");
  EXPECT_EQ(table_cell("a\xc0\xa0z"), "\"a\\xc0\\xa0z\"");
  // Visible text beside an escape stays as it is.
  EXPECT_EQ(table_cell("Zo\xc3\xab\xc2\xa0"), "\"Zo\xc3\xab\\u{00a0}\"");
}

TEST(TableCell, QuotedCellsNeverHoldTwoSpacesInARow) {
  for (const char* text : {"  ", "a   b", " a b ", "\" \"  \"", "x \t  y"}) {
    EXPECT_EQ(table_cell(text).find("  "), std::string::npos) << text;
  }
}

TEST(FormatTable, AlignsColumnsWithTwoSpacesAndPadsNotTheLastColumn) {
  EXPECT_EQ(format_table({{"UPN", "DISPLAY NAME", "MFA"},
                          {"alice@example.com", "Alice Smith", "enabled"},
                          {"bob@example.com", "", "disabled"}}),
            "UPN                DISPLAY NAME  MFA\n"
            "alice@example.com  Alice Smith   enabled\n"
            "bob@example.com    -             disabled\n");
  EXPECT_EQ(format_table({}), "");
}

TEST(FormatTable, WidthCountsCharactersNotBytes) {
  EXPECT_EQ(format_table({{"NAME", "X"}, {"Zo\xc3\xab", "1"}}),
            "NAME  X\n"
            "Zo\xc3\xab   1\n");
}

TEST(FormatTable, ASpoofingCellStaysOneCell) {
  const std::string spoof = "admin@example.com  203.0.113.9  success  -  required";
  const std::string table = format_table(
      {{"TIME", "UPN", "IP", "RESULT"}, {"2026-11-24T05:45:12Z", spoof, "10.1.2.3", "failure"}});
  const std::string row = table.substr(table.find('\n') + 1);
  const auto cells = split_on_space_runs(row.substr(0, row.size() - 1));
  ASSERT_EQ(cells.size(), 4u) << table;
  EXPECT_EQ(cells[1], table_cell(spoof));
  EXPECT_EQ(cells[3], "failure");
}

}  // namespace
}  // namespace tessera

// Tables for people at a terminal. Columns are separated by two or more spaces, and a cell never
// holds two spaces in a row, so a cell cannot pass itself off as several and splitting a row on
// runs of two or more spaces gives back its cells.
//
// A cell prints as it is when it is non-empty, is not "-", holds no '"' or '\', and holds only
// visible characters with single spaces between them (no space at either end). Any other cell
// is printed in double quotes, inside which
//   \" and \\ stand for a quote and a backslash; \t \n \r for tab, newline, carriage return;
//   \x20 for a space at either end of the text or next to another space;
//   \xHH for any other control byte (below 0x20, 0x7f) and for a byte that is not valid UTF-8;
//   \u{HHHH} for an invisible character: C1 controls, Unicode spaces, and format characters
//   such as zero-width spaces and bidirectional overrides.
// Other UTF-8 (accented letters, other scripts) prints as it is. An empty cell prints as "-"
// (unquoted) and a cell holding "-" as "\"-\"". For exact text, the log commands have
// `--format json`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera {

// The cell as the table prints it, by the rules above.
std::string table_cell(std::string_view text);

// Formats `rows` (the first usually the header, whose names such as "DECIDED BY" print as they
// are) with every cell through table_cell, each column as wide as its widest cell plus two spaces.
// Each line ends in '\n'; the last column is not padded.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace tessera

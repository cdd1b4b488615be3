#include "markdown_table.h"

namespace outrider::reports::detail {

std::string markdownCell(const Cell& cell) {
  std::string text;
  for (char c : cell.text) {
    if (c == '|') {
      text += '\\';
    }
    text += c == '\n' ? ' ' : c;
  }
  switch (cell.mark) {
    case Cell::Mark::Bad:
      return "**" + text + "**";
    case Cell::Mark::Code:
      return "`" + text + "`";
    case Cell::Mark::None:
    case Cell::Mark::Verdict:
      break;
  }
  return text;
}

std::string markdownTable(const Table& table) {
  std::string header = "|";
  std::string align = "|";
  for (const auto& column : table.columns) {
    header += " " + column.name + " |";
    align += column.numeric ? "---:|" : "---|";
  }
  std::string out = header + "\n" + align + "\n";
  for (const auto& row : table.rows) {
    std::string line = "|";
    for (const auto& cell : row) {
      line += " " + markdownCell(cell) + " |";
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace outrider::reports::detail

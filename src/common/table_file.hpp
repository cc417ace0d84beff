// The files people keep registers in today: CSV read (UTF-8 with or without BOM, or CP932 as
// Excel saves it on Japanese Windows) and written (UTF-8 with BOM, every cell defused against
// formula injection), and .xlsx workbooks written through libxlsxwriter.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace mamori {

enum class TextEncoding { kAuto, kUtf8, kCp932 };

// "utf-8"/"utf8", "cp932"/"shift_jis"/"sjis"/"windows-31j" (any case), "" for automatic.
// Anything else is a validation error on field `field`.
Result<TextEncoding> ParseEncodingName(std::string_view name, const std::string& field = "encoding");

struct DecodedText {
  std::string text;      // UTF-8, BOM removed
  std::string encoding;  // "utf-8" or "cp932": what the bytes were read as
};

// Decodes `bytes` to UTF-8. kAuto reads UTF-8 when the bytes are valid UTF-8 (a BOM decides it
// too) and CP932 otherwise. Bytes invalid in the encoding used are a validation error on field
// "file", code "invalid_encoding", with `row` set to the line they are on.
Result<DecodedText> DecodeText(std::string_view bytes, TextEncoding encoding);

struct CsvLimits {
  size_t max_records = 10001;  // header row included
  size_t max_columns = 64;
  size_t max_cell_bytes = 4096;
};

// One record per row as a spreadsheet numbers them: a quoted cell may span lines and is still
// one row, and a blank line is an empty record, so record i is row i + 1 of the file. A quote
// inside an unquoted cell, text after a closing quote or an unterminated quote is a
// validation error on field "file" (code "malformed_csv", `row` naming the record); too many
// records, columns or bytes in a cell are "too_many_rows", "too_many_columns" and
// "cell_too_long".
using CsvTable = std::vector<std::vector<std::string>>;
Result<CsvTable> ParseCsv(std::string_view utf8, const CsvLimits& limits = {});

// One CSV cell: always quoted, quotes doubled, and a leading = + - @ (or tab/CR) prefixed with
// ' so a spreadsheet never runs it as a formula.
std::string CsvCell(std::string_view value);
// Cells joined as one CRLF-terminated CSV line.
std::string CsvLine(const std::vector<std::string>& cells);
// The BOM that makes Excel read a CSV file as UTF-8.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A worksheet to write: a header row (bold, frozen, filtered) and the data rows. Text cells
// are always written as text, never as formulas.
struct SheetColumn {
  std::string header;
  double width = 12;  // in characters, as Excel counts them
};
using SheetCell = std::variant<std::string, int64_t>;
struct Sheet {
  std::string name;  // the tab's name (at most 31 characters, no []:*?/\)
  std::vector<SheetColumn> columns;
  std::vector<std::vector<SheetCell>> rows;
  // A form (one record's items, a report): no frozen header or filter buttons.
  bool form = false;
};

// A cell as text (numbers in decimal).
std::string SheetCellText(const SheetCell& cell);
// `sheet` as a CSV file: BOM, the header row, then the rows, each cell defused as CsvCell does.
std::string SheetCsv(const Sheet& sheet);

// The .xlsx bytes of a workbook holding `sheet`. libxlsxwriter writes to a file, so the
// workbook passes through a private temporary file (mode 0600) that is removed before return.
Result<std::string> XlsxWorkbook(const Sheet& sheet);
// A workbook of several sheets, in order (a record's report: its items, then its history).
Result<std::string> XlsxWorkbook(const std::vector<Sheet>& sheets);

}  // namespace mamori

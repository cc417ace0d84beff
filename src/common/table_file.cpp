#include "common/table_file.hpp"

#include <csv.h>
#include <iconv.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

#include "common/json_input.hpp"

namespace mamori {
namespace {

Error FileError(std::string code, int64_t row, std::string detail) {
  Error e = Error::Validation("file", std::move(code), std::move(detail));
  e.fields.back().row = row;
  return e;
}

// The line (1-based) that byte `offset` of `bytes` is on. In CP932 a trail byte is never 0x0A,
// so counting LF bytes is right for both encodings.
int64_t LineOf(std::string_view bytes, size_t offset) {
  return 1 + static_cast<int64_t>(std::count(bytes.begin(), bytes.begin() + std::min(offset, bytes.size()), '\n'));
}

Result<std::string> FromCp932(std::string_view bytes) {
  iconv_t cd = iconv_open("UTF-8", "CP932");
  if (cd == reinterpret_cast<iconv_t>(-1)) return Error::Internal("CP932 の変換器を開けません");
  std::unique_ptr<void, int (*)(iconv_t)> guard(cd, iconv_close);
  std::string out(bytes.size() * 3 + 16, '\0');  // a CP932 character is at most 3 bytes of UTF-8
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<size_t>(-1)) {
    const size_t at = bytes.size() - in_left;
    return FileError("invalid_encoding", LineOf(bytes, at),
                     std::to_string(LineOf(bytes, at)) + " 行目に CP932 (Shift_JIS) として読めない文字があります");
  }
  out.resize(out.size() - out_left);
  return out;
}

// The first byte offset of invalid UTF-8 in `s` (s.size() when valid).
size_t FirstInvalidUtf8(std::string_view s) {
  if (IsValidUtf8(s)) return s.size();
  // Narrow down by halves: valid prefixes are found on character boundaries near the error.
  size_t lo = 0, hi = s.size();
  while (hi - lo > 4) {
    size_t mid = lo + (hi - lo) / 2;
    while (mid > lo && (static_cast<unsigned char>(s[mid]) & 0xC0) == 0x80) --mid;
    if (mid == lo) break;
    if (IsValidUtf8(s.substr(0, mid))) lo = mid;
    else hi = mid;
  }
  return lo;
}

struct CsvState {
  const CsvLimits* limits;
  CsvTable table;
  std::vector<std::string> record;
  int last_terminator = 0;
  bool record_open = false;  // a field of the current line has been seen
  std::optional<Error> error;
};

void OnField(void* data, size_t len, void* state_ptr) {
  auto* s = static_cast<CsvState*>(state_ptr);
  if (s->error) return;
  s->record_open = true;
  if (s->record.size() >= s->limits->max_columns) {
    s->error = FileError("too_many_columns", static_cast<int64_t>(s->table.size()) + 1,
                         std::to_string(s->table.size() + 1) + " 行目の列が多すぎます（上限 " +
                             std::to_string(s->limits->max_columns) + " 列）");
    return;
  }
  if (len > s->limits->max_cell_bytes) {
    s->error = FileError("cell_too_long", static_cast<int64_t>(s->table.size()) + 1,
                         std::to_string(s->table.size() + 1) + " 行目のセルが長すぎます（上限 " +
                             std::to_string(s->limits->max_cell_bytes) + " バイト）");
    return;
  }
  s->record.emplace_back(data ? static_cast<const char*>(data) : "", data ? len : 0);
}

// With CSV_REPALL_NL libcsv reports every line end: a record's own end (after its fields), and
// each further CR or LF on its own. The LF of a CRLF pair ends nothing; any other bare line end
// is a blank row, kept so that row numbers match the spreadsheet's.
void OnRecord(int terminator, void* state_ptr) {
  auto* s = static_cast<CsvState*>(state_ptr);
  if (s->error) return;
  const bool crlf_tail = !s->record_open && terminator == '\n' && s->last_terminator == '\r';
  s->last_terminator = terminator;
  if (crlf_tail) return;
  if (s->table.size() >= s->limits->max_records) {
    s->error = FileError("too_many_rows", static_cast<int64_t>(s->table.size()) + 1,
                         "行数が多すぎます（上限 " + std::to_string(s->limits->max_records) + " 行）");
    return;
  }
  s->table.push_back(std::move(s->record));
  s->record.clear();
  s->record_open = false;
}

bool IsFormulaLead(char c) { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'; }

}  // namespace

Result<TextEncoding> ParseEncodingName(std::string_view name, const std::string& field) {
  const std::string n = AsciiLower(name);
  if (n.empty() || n == "auto") return TextEncoding::kAuto;
  if (n == "utf-8" || n == "utf8") return TextEncoding::kUtf8;
  if (n == "cp932" || n == "shift_jis" || n == "shift-jis" || n == "sjis" || n == "windows-31j" || n == "ms932")
    return TextEncoding::kCp932;
  return Error::Validation(field, "not_allowed", field + " は utf-8 か cp932 (shift_jis) です");
}

Result<DecodedText> DecodeText(std::string_view bytes, TextEncoding encoding) {
  const bool bom = bytes.substr(0, kUtf8Bom.size()) == kUtf8Bom;
  if (bom && encoding != TextEncoding::kCp932) bytes.remove_prefix(kUtf8Bom.size());
  if (encoding == TextEncoding::kUtf8 || (encoding == TextEncoding::kAuto && (bom || IsValidUtf8(bytes)))) {
    const size_t bad = FirstInvalidUtf8(bytes);
    if (bad != bytes.size())
      return FileError("invalid_encoding", LineOf(bytes, bad),
                       std::to_string(LineOf(bytes, bad)) + " 行目に UTF-8 として読めない文字があります");
    return DecodedText{std::string(bytes), "utf-8"};
  }
  MAMORI_ASSIGN(std::string text, FromCp932(bytes));
  return DecodedText{std::move(text), "cp932"};
}

Result<CsvTable> ParseCsv(std::string_view utf8, const CsvLimits& limits) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0)
    return Error::Internal("CSV パーサを初期化できません");
  std::unique_ptr<csv_parser, void (*)(csv_parser*)> guard(&parser, csv_free);
  CsvState state{&limits, {}, {}, 0, false, std::nullopt};
  const size_t used = csv_parse(&parser, utf8.data(), utf8.size(), OnField, OnRecord, &state);
  if (state.error) return *std::move(state.error);
  if (used != utf8.size() || csv_fini(&parser, OnField, OnRecord, &state) != 0) {
    if (state.error) return *std::move(state.error);
    const int64_t row = static_cast<int64_t>(state.table.size()) + 1;
    return FileError("malformed_csv", row,
                     std::to_string(row) + " 行目の CSV の形式が正しくありません（引用符 \" の対応を確認してください）");
  }
  if (state.error) return *std::move(state.error);
  return std::move(state.table);
}

std::string CsvCell(std::string_view v) {
  std::string out = "\"";
  if (!v.empty() && IsFormulaLead(v[0])) out += "'";
  for (char c : v) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + CsvCell(cells[i]);
  return line + "\r\n";
}

std::string SheetCellText(const SheetCell& cell) {
  if (const auto* n = std::get_if<int64_t>(&cell)) return std::to_string(*n);
  return std::get<std::string>(cell);
}

std::string SheetCsv(const Sheet& sheet) {
  std::string csv(kUtf8Bom);
  std::vector<std::string> line;
  for (const auto& c : sheet.columns) line.push_back(c.header);
  csv += CsvLine(line);
  for (const auto& row : sheet.rows) {
    line.clear();
    for (const auto& cell : row) line.push_back(SheetCellText(cell));
    csv += CsvLine(line);
  }
  return csv;
}

Result<std::string> XlsxWorkbook(const Sheet& sheet) { return XlsxWorkbook(std::vector<Sheet>{sheet}); }

Result<std::string> XlsxWorkbook(const std::vector<Sheet>& sheets) {
  const char* env_tmp = std::getenv("TMPDIR");
  std::string dir = env_tmp && *env_tmp ? env_tmp : "/tmp";
  std::string path = dir + "/mamori-xlsx-XXXXXX";
  const int fd = mkstemp(path.data());  // 0600: the workbook may name restricted assets
  if (fd < 0) return Error::Internal("一時ファイルを作成できません");
  close(fd);
  struct Remove {
    std::string path;
    ~Remove() { unlink(path.c_str()); }
  } remove{path};

  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;  // rows stream to disk: a 100,000-row register stays small in memory
  options.tmpdir = dir.data();
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (!wb) return Error::Internal("Excel ファイルを作成できません");
  lxw_format* head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_bg_color(head, 0xDDEBF7);
  format_set_border(head, LXW_BORDER_THIN);
  lxw_format* text = workbook_add_format(wb);
  format_set_text_wrap(text);
  format_set_align(text, LXW_ALIGN_VERTICAL_TOP);
  format_set_num_format(text, "@");  // typed-in values stay text too
  lxw_format* number = workbook_add_format(wb);
  format_set_align(number, LXW_ALIGN_VERTICAL_TOP);
  lxw_error err = LXW_NO_ERROR;
  for (const Sheet& sheet : sheets) {
    lxw_worksheet* ws = err ? nullptr : workbook_add_worksheet(wb, sheet.name.empty() ? nullptr : sheet.name.c_str());
    if (!ws && !err) err = LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
    for (size_t c = 0; !err && c < sheet.columns.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      err = worksheet_set_column(ws, col, col, sheet.columns[c].width, nullptr);
      if (!err) err = worksheet_write_string(ws, 0, col, sheet.columns[c].header.c_str(), head);
    }
    for (size_t r = 0; !err && r < sheet.rows.size(); ++r) {
      if (r + 1 >= LXW_ROW_MAX) {
        err = LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE;
        break;
      }
      const auto row = static_cast<lxw_row_t>(r + 1);
      for (size_t c = 0; !err && c < sheet.rows[r].size(); ++c) {
        const auto col = static_cast<lxw_col_t>(c);
        const SheetCell& cell = sheet.rows[r][c];
        if (const auto* s = std::get_if<std::string>(&cell)) {
          if (!s->empty()) err = worksheet_write_string(ws, row, col, s->c_str(), text);
        } else {
          err = worksheet_write_number(ws, row, col, static_cast<double>(std::get<int64_t>(cell)), number);
        }
      }
    }
    if (!err && !sheet.columns.empty() && !sheet.form) {
      worksheet_freeze_panes(ws, 1, 0);
      err = worksheet_autofilter(ws, 0, 0, static_cast<lxw_row_t>(sheet.rows.size()),
                                 static_cast<lxw_col_t>(sheet.columns.size() - 1));
    }
  }
  const lxw_error closed = workbook_close(wb);  // frees the workbook whatever happened before
  if (err || closed)
    return Error::Internal(std::string("Excel ファイルを書き出せません: ") + lxw_strerror(err ? err : closed));
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Error::Internal("Excel ファイルを読み戻せません");
  return bytes;
}

}  // namespace mamori

#include "domain/log_sheet.hpp"

#include "common/table_file.hpp"
#include "common/time.hpp"

namespace mamori::domain {

const std::vector<LogColumn>& LogColumns() {
  static const std::vector<LogColumn> kColumns = {
      {"seq", "番号", "seq", [](const LogEntryView& v) { return std::to_string(v.entry.seq); }},
      {"at", "日時", "at", [](const LogEntryView& v) { return FormatRfc3339(v.entry.at); }},
      {"actor", "操作者ID", "actor", [](const LogEntryView& v) { return v.entry.actor; }},
      {"actor_name", "操作者", "actor_name", [](const LogEntryView& v) { return v.actor_name; }},
      {"actor_login_id", "ログインID", "actor_login_id", [](const LogEntryView& v) { return v.entry.actor_login; }},
      {"address", "接続元", "address", [](const LogEntryView& v) { return v.entry.address; }},
      {"action", "操作", "action", [](const LogEntryView& v) { return v.entry.action; }},
      {"target", "対象", "target", [](const LogEntryView& v) { return v.entry.target; }},
      {"target_label", "対象の名称", "target_label", [](const LogEntryView& v) { return v.target_label; }},
      {"result", "結果", "result", [](const LogEntryView& v) { return v.entry.result; }},
      {"clause", "条項", "clause", [](const LogEntryView& v) { return v.entry.clause; }},
      {"detail", "詳細", "detail", [](const LogEntryView& v) { return v.entry.detail; }},
      {"hash", "ハッシュ", "hash", [](const LogEntryView& v) { return v.entry.hash; }},
      // What checking the chain from the file needs besides the columns above; the byte-exact
      // export for outside verifiers is GET /api/v1/audit-log/chain (docs/operation_log.md).
      {"session", "セッション", "session", [](const LogEntryView& v) { return v.entry.session; }},
      {"at_us", "日時（マイクロ秒）", "at_us", [](const LogEntryView& v) { return std::to_string(v.entry.at); }},
      {"prev_hash", "直前のハッシュ", "prev_hash", [](const LogEntryView& v) { return v.entry.prev_hash; }},
  };
  return kColumns;
}

std::string LogCsv(const std::vector<LogEntryView>& rows, bool english) {
  std::string csv(kUtf8Bom);
  const auto& columns = LogColumns();
  std::vector<std::string> cells;
  cells.reserve(columns.size());
  for (const auto& c : columns) cells.emplace_back(english ? c.en : c.ja);
  csv += CsvLine(cells);
  for (const auto& row : rows) {
    cells.clear();
    for (const auto& c : columns) cells.push_back(c.cell(row));
    csv += CsvLine(cells);
  }
  return csv;
}

}  // namespace mamori::domain

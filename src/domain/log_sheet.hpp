// The operation log as a CSV file a person opens in Excel: Japanese headings by default
// (English on request), one row per entry with the names resolved as on the log page, every
// cell defused against formulas and the file UTF-8 with a BOM (common/table_file). The cells
// keep the values as recorded (action and result codes, the detail's JSON, RFC 3339 times) so
// the file can still be checked against the hash chain.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "domain/log_view.hpp"

namespace mamori::domain {

// One column: its id (stable, for tools), its headings, and how an entry fills it. Another
// column is one more entry in LogColumns(); the order there is the file's.
struct LogColumn {
  const char* id;
  const char* ja;
  const char* en;
  std::function<std::string(const LogEntryView&)> cell;
};

// In file order: seq, at, actor, actor_name, actor_login_id, address, action, target,
// target_label, result, clause, detail, hash.
const std::vector<LogColumn>& LogColumns();

// The file: BOM, the heading row in Japanese (or English when `english`), then the entries.
std::string LogCsv(const std::vector<LogEntryView>& rows, bool english);

}  // namespace mamori::domain

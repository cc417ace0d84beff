// Helpers the repositories share for filtered, paged listings built from bind parameters.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/repos.hpp"

namespace mamori::storage {

// Appends " AND <column> IN (?, …)"; an empty set matches nothing (a scope with no units
// must see nothing, never everything).
inline void AppendIn(std::string& sql, Params& p, std::string_view column, const std::vector<std::string>& values) {
  if (values.empty()) {
    sql += " AND 1 = 0";
    return;
  }
  sql += " AND ";
  sql += column;
  sql += " IN (";
  for (size_t i = 0; i < values.size(); ++i) {
    sql += i ? ", ?" : "?";
    p.push_back(values[i]);
  }
  sql += ")";
}

// Ids per IN list when a repository looks up many objects by id.
inline constexpr size_t kIdsPerQuery = 500;

// Calls `fn` with `ids` in slices of at most `size`, so an IN list stays within both engines'
// bind-parameter limits however many ids a caller resolves (an export names thousands).
template <typename Fn>
Status ForSlices(const std::vector<std::string>& ids, size_t size, Fn fn) {
  for (size_t i = 0; i < ids.size(); i += size) {
    const std::vector<std::string> slice(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                         ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + size)));
    MAMORI_TRY(fn(slice));
  }
  return Ok();
}

// "(column IN (?, …) OR column2 IN (…))" over the non-empty sets; "1 = 0" when all are empty
// (a scope that names nothing sees nothing).
inline std::string AnyIn(std::initializer_list<std::pair<const char*, const std::vector<std::string>*>> sets,
                         Params& p) {
  std::string out;
  for (const auto& [column, values] : sets) {
    if (values->empty()) continue;
    out += out.empty() ? "" : " OR ";
    out += column;
    out += " IN (";
    for (size_t i = 0; i < values->size(); ++i) {
      out += i ? ", ?" : "?";
      p.push_back((*values)[i]);
    }
    out += ")";
  }
  return out.empty() ? "1 = 0" : out;
}

// Appends " AND <column> = ?" when `value` is set (a filter left empty matches everything).
inline void AppendEq(std::string& sql, Params& p, std::string_view column, const std::string& value) {
  if (value.empty()) return;
  sql += " AND ";
  sql += column;
  sql += " = ?";
  p.push_back(value);
}

// "%q%" for LIKE with its wildcards escaped (ESCAPE '\'); `lower` folds ASCII letters.
inline std::string LikePattern(const std::string& q, bool lower = false) {
  std::string out = "%";
  for (char ch : q) {
    if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
    out.push_back(lower && ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
  }
  out.push_back('%');
  return out;
}

// Appends a case-insensitive (ASCII) substring match of `column` against `q`, when set.
// LOWER() on both sides: SQLite's LIKE folds ASCII case and PostgreSQL's does not, and each
// engine's LOWER folds the same letters on both sides.
inline void AppendContains(std::string& sql, Params& p, std::string_view column, const std::string& q) {
  if (q.empty()) return;
  sql += " AND LOWER(";
  sql += column;
  sql += ") LIKE LOWER(?) ESCAPE '\\'";
  p.push_back(LikePattern(q));
}

// Runs `sql` (a SELECT with its WHERE already built) with ORDER BY `order` and the page's
// LIMIT/OFFSET, mapping each row with `read`.
template <typename Rec, typename ReadFn>
Result<std::vector<Rec>> QueryPage(Connection& c, std::string sql, Params p, std::string_view order, const Page& page,
                                   ReadFn read) {
  sql += " ORDER BY ";
  sql += order;
  sql += " LIMIT ? OFFSET ?";
  p.push_back(page.per_page);
  p.push_back(page.Offset());
  std::vector<Rec> out;
  MAMORI_TRY(c.Query(sql, p, [&](const Row& r) { out.push_back(read(r)); }));
  return out;
}

// A list of strings kept as a JSON array in one text column (an asset's handling
// restrictions, a register record's approvers so far): read and written only with its row.
inline std::string EncodeStringList(const std::vector<std::string>& items) { return nlohmann::json(items).dump(); }

inline std::vector<std::string> DecodeStringList(std::string_view text) {
  std::vector<std::string> out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& item : j)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

}  // namespace mamori::storage

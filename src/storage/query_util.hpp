// Helpers the repositories share for filtered, paged listings built from bind parameters.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

}  // namespace mamori::storage

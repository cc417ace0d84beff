#include "domain/asset_sheet.hpp"

#include <algorithm>
#include <set>

#include "common/json_input.hpp"
#include "common/time.hpp"
#include "domain/terms.hpp"

namespace mamori::domain {
namespace {

// Spaces around a cell, ASCII and the full-width U+3000 that Japanese input leaves behind.
std::string Trim(std::string_view s) {
  static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  for (;;) {
    if (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
      s.remove_prefix(1);
    } else if (s.substr(0, 3) == kIdeographicSpace) {
      s.remove_prefix(3);
    } else {
      break;
    }
  }
  for (;;) {
    if (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
      s.remove_suffix(1);
    } else if (s.size() >= 3 && s.substr(s.size() - 3) == kIdeographicSpace) {
      s.remove_suffix(3);
    } else {
      break;
    }
  }
  return std::string(s);
}

// Full-width digits (０–９, U+FF10–FF19) as ASCII.
std::string AsciiDigits(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xEF && static_cast<unsigned char>(s[i + 1]) == 0xBC &&
        static_cast<unsigned char>(s[i + 2]) >= 0x90 && static_cast<unsigned char>(s[i + 2]) <= 0x99) {
      out.push_back(static_cast<char>('0' + (static_cast<unsigned char>(s[i + 2]) - 0x90)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The level of a classification cell: "3", "３", or the label written out as the register shows
// it ("機密性3", "Confidentiality 3"). nullopt when it is not a number.
std::optional<int64_t> Level(const std::string& cell, const policy::Dimension* dim) {
  std::string v = AsciiDigits(cell);
  if (dim) {
    for (const std::string& prefix : {dim->label, dim->label_en}) {
      if (!prefix.empty() && AsciiLower(v.substr(0, prefix.size())) == AsciiLower(prefix)) {
        v = Trim(v.substr(prefix.size()));
        break;
      }
    }
  }
  if (v.empty() || v.size() > 3 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(v);
}

// Handling restrictions in one cell: one per line, or separated by ; ； or 、.
std::vector<std::string> SplitHandling(const std::string& cell) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string t = Trim(cur);
    if (!t.empty()) out.push_back(std::move(t));
    cur.clear();
  };
  for (size_t i = 0; i < cell.size(); ++i) {
    const std::string_view rest = std::string_view(cell).substr(i);
    if (cell[i] == '\n' || cell[i] == '\r' || cell[i] == ';') {
      flush();
    } else if (rest.substr(0, 3) == "\xEF\xBC\x9B" || rest.substr(0, 3) == "\xE3\x80\x81") {  // ； 、
      flush();
      i += 2;
    } else {
      cur.push_back(cell[i]);
    }
  }
  flush();
  return out;
}

std::string HeadingKey(const std::string& heading) { return AsciiLower(Trim(heading)); }

}  // namespace

std::vector<AssetColumn> AssetColumns(const policy::Classification& cls) {
  auto dim = [&](const char* id, const char* ja, const char* en) {
    const policy::Dimension* d = cls.Find(id);
    return AssetColumn{id, d && !d->label.empty() ? d->label : ja, d && !d->label_en.empty() ? d->label_en : en,
                       9, true, true};
  };
  return {
      {"id", "管理番号", "ID", 30, false, false},
      {"name", "名称", "Name", 36, true, true},
      {"kind", "種別", "Kind", 16, true, true},
      {"owner_code", "所管課コード", "Owner section code", 12, true, false},
      {"owner", "所管課", "Owner section", 20, true, false},
      dim("confidentiality", "機密性", "Confidentiality"),
      dim("integrity", "完全性", "Integrity"),
      dim("availability", "可用性", "Availability"),
      {"label", "格付", "Classification", 28, false, false},
      {"handling", "取扱制限", "Handling", 24, true, false},
      {"location", "保管場所", "Location", 24, true, false},
      {"system", "情報システム", "Information system", 24, true, false},
      {"state", "状態", "State", 12, false, false},
      {"updated_on", "更新日", "Updated", 12, false, false},
      {"version", "版", "Version", 6, false, false},
  };
}

std::string AssetKindLabel(const std::string& kind, bool english) {
  return std::string(TermLabel(kAssetKindTerms, kind, english));
}
std::string AssetStateLabel(const std::string& state, bool english) {
  return std::string(TermLabel(kAssetStateTerms, state, english));
}

Result<AssetSheetReader> AssetSheetReader::Open(const CsvTable& table, const policy::Classification& cls) {
  AssetSheetReader reader(table, cls);
  const std::vector<AssetColumn> columns = AssetColumns(cls);
  std::vector<FieldError> errors;
  if (table.empty()) return Error::Validation("file", "empty", "ファイルが空です。1 行目に見出しが必要です");
  const std::vector<std::string>& header = table[0];
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string key = HeadingKey(header[i]);
    if (key.empty()) continue;  // an unnamed column; any value under it is reported per row
    auto col = std::find_if(columns.begin(), columns.end(), [&](const AssetColumn& c) {
      return key == c.key || key == HeadingKey(c.ja) || key == HeadingKey(c.en);
    });
    if (col == columns.end()) {
      errors.emplace_back("header", "unknown_column", 1, header[i]);
    } else if (reader.index_.count(col->key)) {
      errors.emplace_back("header", "duplicate_column", 1, header[i]);
    } else if (col->importable) {
      reader.index_[col->key] = i;
      reader.heading_[col->key] = header[i];
    }
  }
  for (const auto& c : columns)
    if (c.required && !reader.index_.count(c.key)) errors.emplace_back(c.key, "missing_column", 1, c.ja);
  if (!reader.index_.count("owner_code") && !reader.index_.count("owner"))
    errors.emplace_back("owner_org_unit_id", "missing_column", 1, "所管課コード / 所管課");
  if (!errors.empty()) {
    Error e = Error::Invalid(std::move(errors));
    e.detail = "1 行目（見出し）に誤りがあります。取り込みは行われていません";
    return e;
  }
  const bool any_data = std::any_of(table.begin() + 1, table.end(), [](const std::vector<std::string>& r) {
    return std::any_of(r.begin(), r.end(), [](const std::string& c) { return !Trim(c).empty(); });
  });
  if (!any_data) return Error::Validation("file", "empty", "取り込む行がありません（見出しの下が空です）");
  return reader;
}

std::optional<size_t> AssetSheetReader::Index(const std::string& key) const {
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::string AssetSheetReader::Cell(const std::vector<std::string>& record, const std::string& key) const {
  auto i = Index(key);
  if (!i || *i >= record.size()) return "";
  return Trim(record[*i]);
}

std::string AssetSheetReader::ColumnFor(const std::string& field, const AssetSheetRow* row) const {
  std::string key = field.substr(0, field.find('['));
  if (key == "owner_org_unit_id") {
    const bool by_code = row ? !row->owner_code.empty() || row->owner_name.empty() : index_.count("owner_code") > 0;
    key = by_code && index_.count("owner_code") ? "owner_code" : "owner";
  }
  if (key == "system_id") key = "system";
  auto it = heading_.find(key);
  return it == heading_.end() ? "" : it->second;
}

std::vector<AssetSheetRow> AssetSheetReader::Rows() const {
  std::vector<AssetSheetRow> out;
  const size_t width = table_->front().size();
  for (size_t r = 1; r < table_->size(); ++r) {
    const std::vector<std::string>& record = (*table_)[r];
    if (std::all_of(record.begin(), record.end(), [](const std::string& c) { return Trim(c).empty(); })) continue;
    AssetSheetRow row;
    row.row = static_cast<int64_t>(r) + 1;
    auto error = [&](const std::string& field, const std::string& code) {
      row.errors.emplace_back(field, code, row.row, ColumnFor(field));
    };
    for (size_t i = 0; i < record.size(); ++i) {
      // A value under an unnamed column, or beyond the header, has nowhere to go.
      if (Trim(record[i]).empty()) continue;
      if (i >= width || Trim(table_->front()[i]).empty()) {
        row.errors.emplace_back("row", "unexpected_cell", row.row, "");
        break;
      }
    }
    NewAsset& a = row.asset;
    a.name = Cell(record, "name");
    const std::string kind = Cell(record, "kind");
    a.kind = kind;
    for (const Term& n : kAssetKindTerms) {
      if (kind == n.id || kind == n.label || AsciiLower(kind) == AsciiLower(n.label_en)) {
        a.kind = n.id;
        break;
      }
    }
    const std::pair<const char*, int64_t NewAsset::*> levels[] = {{"confidentiality", &NewAsset::confidentiality},
                                                                 {"integrity", &NewAsset::integrity},
                                                                 {"availability", &NewAsset::availability}};
    for (const auto& [axis, member] : levels) {
      const std::string cell = Cell(record, axis);
      if (cell.empty()) {
        error(axis, "required");
      } else if (auto level = Level(cell, cls_->Find(axis))) {
        a.*member = *level;
      } else {
        error(axis, "not_a_number");
      }
    }
    a.handling = SplitHandling(Cell(record, "handling"));
    a.location = Cell(record, "location");
    row.owner_code = Cell(record, "owner_code");
    row.owner_name = Cell(record, "owner");
    row.system = Cell(record, "system");
    if (row.owner_code.empty() && row.owner_name.empty()) error("owner_org_unit_id", "required");
    out.push_back(std::move(row));
  }
  return out;
}

Sheet AssetSheet(const AssetExport& data, const AssetService& assets, const policy::Classification& cls,
                 bool english) {
  Sheet sheet;
  sheet.name = english ? "Asset register" : "情報資産台帳";
  const std::vector<AssetColumn> columns = AssetColumns(cls);
  for (const auto& c : columns) sheet.columns.push_back({english ? c.en : c.ja, c.width});
  for (const auto& r : data.items) {
    const auto unit = data.units.find(r.owner_org_unit_id);
    const auto system = data.system_names.find(r.system_id);
    std::string handling;
    for (const auto& h : r.handling) handling += (handling.empty() ? "" : "\n") + h;
    std::vector<SheetCell> row;
    for (const auto& c : columns) {
      const std::string& k = c.key;
      if (k == "id") row.emplace_back(r.id);
      else if (k == "name") row.emplace_back(r.name);
      else if (k == "kind") row.emplace_back(AssetKindLabel(r.kind, english));
      else if (k == "owner_code") row.emplace_back(unit == data.units.end() ? "" : unit->second.code);
      else if (k == "owner") row.emplace_back(unit == data.units.end() ? "" : unit->second.name);
      else if (k == "confidentiality") row.emplace_back(r.confidentiality);
      else if (k == "integrity") row.emplace_back(r.integrity);
      else if (k == "availability") row.emplace_back(r.availability);
      else if (k == "label") row.emplace_back(assets.Label(r, english));
      else if (k == "handling") row.emplace_back(handling);
      else if (k == "location") row.emplace_back(r.location);
      else if (k == "system") row.emplace_back(system == data.system_names.end() ? "" : system->second);
      else if (k == "state") row.emplace_back(AssetStateLabel(r.state, english));
      else if (k == "updated_on") row.emplace_back(FormatDate(JstDate(r.updated_at)));
      else if (k == "version") row.emplace_back(r.version);
      else row.emplace_back(std::string());
    }
    sheet.rows.push_back(std::move(row));
  }
  return sheet;
}

std::vector<std::string> AssetTemplateHeadings(const policy::Classification& cls, bool english) {
  std::vector<std::string> out;
  for (const auto& c : AssetColumns(cls))
    if (c.importable) out.push_back(english ? c.en : c.ja);
  return out;
}

}  // namespace mamori::domain

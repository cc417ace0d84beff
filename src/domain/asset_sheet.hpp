// The asset register as a spreadsheet, the way sections keep it in Excel today: the columns an
// export writes and an import reads, with Japanese or English headings (the classification
// columns take the pack's own labels), and how the cells of one row become a would-be asset.
// Pure: resolving owner sections and systems against the database is AssetService::Import's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/table_file.hpp"
#include "domain/asset_service.hpp"
#include "policy/pack.hpp"

namespace mamori::domain {

// Columns of the register sheet. `key` names the column in code and is accepted as a heading
// too; the import reads only the importable ones and ignores the read-only ones an export adds.
struct AssetColumn {
  std::string key;
  std::string ja;
  std::string en;
  double width = 12;
  bool importable = true;
  bool required = false;
};
// In sheet order: id, name, kind, owner_code, owner, confidentiality, integrity, availability,
// label, handling, location, system, state, updated_on, version.
std::vector<AssetColumn> AssetColumns(const policy::Classification& cls);

// Japanese (or English) names of asset kinds and states, as the UI shows them; "" if unknown.
std::string AssetKindLabel(const std::string& kind, bool english);
std::string AssetStateLabel(const std::string& state, bool english);

// Most data rows one import takes (the header comes on top).
inline constexpr size_t kAssetImportMaxRows = 10000;

// One data row of an import, its cells read. The owner and system are still references
// (code, name) for the service to resolve; `errors` holds what the cells alone show.
struct AssetSheetRow {
  int64_t row = 0;  // as the spreadsheet numbers it: the header is row 1
  NewAsset asset;   // owner_org_unit_id and system_id not yet set
  std::string owner_code;
  std::string owner_name;
  std::string system;  // name or id, "" for none
  std::vector<FieldError> errors;
};

class AssetSheetReader {
 public:
  // Reads the header row. Unknown, repeated or missing required columns are errors at row 1
  // (field "header" naming the column, or the missing field with code missing_column); a
  // file without data rows is an error on "file" (code "empty").
  static Result<AssetSheetReader> Open(const CsvTable& table, const policy::Classification& cls);

  // Every non-blank data row, read. Cells beyond the header are an error on "row".
  std::vector<AssetSheetRow> Rows() const;
  // The file's heading of the column holding an asset field as the service names it
  // (name, kind, owner_org_unit_id, confidentiality, handling[2], location, system_id...).
  // owner_org_unit_id maps to the code column when the file has one; `row` given, to the column
  // that row actually filled.
  std::string ColumnFor(const std::string& field, const AssetSheetRow* row = nullptr) const;

 private:
  AssetSheetReader(const CsvTable& table, const policy::Classification& cls) : table_(&table), cls_(&cls) {}
  std::optional<size_t> Index(const std::string& key) const;
  std::string Cell(const std::vector<std::string>& record, const std::string& key) const;

  const CsvTable* table_;
  const policy::Classification* cls_;
  std::map<std::string, size_t> index_;         // column key → position in the file
  std::map<std::string, std::string> heading_;  // column key → heading as written
};

// The export as a sheet: every asset, one row each, in sheet order.
Sheet AssetSheet(const AssetExport& data, const AssetService& assets, const policy::Classification& cls,
                 bool english);
// The import template: the importable columns' headings and nothing else.
std::vector<std::string> AssetTemplateHeadings(const policy::Classification& cls, bool english);

}  // namespace mamori::domain

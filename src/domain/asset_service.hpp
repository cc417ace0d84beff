// The information asset register (kobe:4.1, 4.2): classification validated against the pack's
// levels, the label and "in scope" the pack defines, who may see an asset (kobe:4.2オ(2)), who
// may register and edit one, optimistic locking, and every change in the operation log. The
// state (in use, taken out, provided, disposed) is changed only by the request engine, through
// SetState.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/table_file.hpp"
#include "domain/access.hpp"
#include "domain/env.hpp"
#include "policy/expr.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

inline constexpr const char* kAssetKinds[] = {"electronic_data", "paper_document", "removable_medium", "terminal",
                                              "mobile_terminal", "server",         "network_device",   "system"};
inline constexpr const char* kAssetStates[] = {"in_use", "taken_out", "provided", "disposed"};
inline constexpr const char* kClassificationAxes[] = {"confidentiality", "integrity", "availability"};

// Limits of the register's text fields (kobe:8.3.5: every input is range-checked).
inline constexpr size_t kAssetNameMax = 200;
inline constexpr size_t kAssetLocationMax = 200;
inline constexpr size_t kHandlingItemsMax = 10;
inline constexpr size_t kHandlingItemMax = 50;

struct NewAsset {
  std::string name{};
  std::string kind{};
  std::string owner_org_unit_id{};
  int64_t confidentiality = 0;
  int64_t integrity = 0;
  int64_t availability = 0;
  std::vector<std::string> handling{};
  std::string location{};
  std::string system_id{};  // "" for none
};

// A PATCH: only the fields present change. `version` is the version the client read.
struct AssetChanges {
  int64_t version = 0;
  std::optional<std::string> name{};
  std::optional<std::string> kind{};
  std::optional<std::string> owner_org_unit_id{};
  std::optional<int64_t> confidentiality{};
  std::optional<int64_t> integrity{};
  std::optional<int64_t> availability{};
  std::optional<std::vector<std::string>> handling{};
  std::optional<std::string> location{};   // "" clears
  std::optional<std::string> system_id{};  // "" clears
};

struct AssetQuery {
  std::string owner_org_unit_id{};
  int64_t min_confidentiality = 0;
  std::string state{};
  std::string kind{};
  std::string q{};
  storage::Page page{};
};

struct AssetList {
  std::vector<storage::AssetRecord> items;
  int64_t total = 0;
  std::map<std::string, std::string> unit_names;  // owner unit id → name, for the items
};

// A CSV import of the register (see asset_sheet.hpp for the columns).
struct AssetImportOptions {
  bool dry_run = false;   // check every row and answer what would be registered; write nothing
  std::string encoding;   // what the file was read as ("utf-8", "cp932"), for the log
  std::string file_name;  // as the client named it, for the log ("" when not given)
  std::string sha256;     // of the file's bytes, for the log
};

struct AssetImportResult {
  bool dry_run = false;
  int64_t rows = 0;              // data rows registered (or that would be)
  std::vector<std::string> ids;  // the new assets, in file order (empty on a dry run)
};

// Most assets one export holds; narrow the filter for more.
inline constexpr int64_t kAssetExportMaxRows = 100000;

// The assets of an export with what names them in a register file.
struct AssetExport {
  std::vector<storage::AssetRecord> items;
  std::map<std::string, storage::OrgUnitRecord> units;  // owner unit id → unit
  std::map<std::string, std::string> system_names;      // system id → name
};

struct AssetHistory {
  std::vector<storage::LogEntryRecord> items;  // newest first
  int64_t total = 0;
};

// What the pack's conditions read of an asset: asset.confidentiality, .integrity,
// .availability, .kind, .state, .handling (list), .owner_org_unit_id, .system_id, and, when the
// system is given, asset.system.network_zone and asset.system.hosting.
policy::Context AssetContext(const storage::AssetRecord& a, const storage::SystemRecord* system = nullptr);
// The same values added to an existing context (a request's fields and requester are there).
void PutAssetValues(policy::Context& ctx, const storage::AssetRecord& a, const storage::SystemRecord* system);

class AssetService {
 public:
  explicit AssetService(Env& env) : env_(env), access_(env.pack) {}

  // assets.manage over the owner section, or — for any staff member registering what they
  // made (kobe:4.2ウ(2)) — requests.create with the owner section being their own unit.
  Result<storage::AssetRecord> Create(const Actor& a, const NewAsset& in);
  // Who sees an asset: assets.read over its owner unit, or by a role scoped to its system; at
  // or above the pack's restricted confidentiality also assets.read_restricted over either, or
  // membership of the owner unit (kobe:4.2オ(2)). Not visible and nonexistent look the same:
  // not_found. List applies the same rule in SQL.
  Result<storage::AssetRecord> Get(const Actor& a, const std::string& id);
  Result<AssetList> List(const Actor& a, const AssetQuery& q);
  // assets.manage over the owner section (and over the new one when it moves). A stale
  // `version` is a conflict; no change at all answers the asset as it is, unlogged.
  Result<storage::AssetRecord> Update(const Actor& a, const std::string& id, const AssetChanges& in);
  // Registers every data row of a CSV register (UTF-8 or CP932 already decoded) in one
  // transaction, or none: each row is checked as Create checks one asset (values, the owner
  // section and system resolved by code or name, the right to register for that section), and
  // any problem answers validation_failed listing every rejected row's fields with their row
  // and column. Each asset is logged as asset.create, the whole file as asset.import.
  Result<AssetImportResult> Import(const Actor& a, const CsvTable& table, const AssetImportOptions& options);
  // The assets List would show for `q`, all pages, with their owners and systems named, for a
  // register file; logged as asset.export with the filter and the count (a bulk read of
  // possibly restricted data, kobe:4.2オ(2)). Over kAssetExportMaxRows is a validation error.
  Result<AssetExport> Export(const Actor& a, const AssetQuery& q);
  // The operation-log entries whose target is this asset, newest first.
  Result<AssetHistory> History(const Actor& a, const std::string& id, const storage::Page& page);
  // Names of org units (for labelling owners the caller already sees).
  Result<std::map<std::string, std::string>> UnitNames(const std::vector<std::string>& ids);

  // For the request engine, inside its own transaction. LoadVisible: the asset when `a` may
  // see it, else not_found.
  Result<storage::AssetRecord> LoadVisible(storage::Connection& c, const Actor& a, const std::string& id);
  // For the operation log, inside the caller's read: id → name of those `ids` that `a` may see
  // by the rule Get applies (one query for all); the others, and unknown ids, are left out, so
  // the log never names an asset its reader may not open.
  Result<std::map<std::string, std::string>> VisibleNames(storage::Connection& c, const Actor& a,
                                                          const std::vector<std::string>& ids,
                                                          const OrgTree& tree) const;
  // Moves the asset to `state` for request `request_id` and logs "asset.state" with from/to.
  // No permission check: the request engine decided. in_use is the resting state: taken_out,
  // provided and disposed are entered only from it (disposed also from provided), in_use from
  // any; anything else — a second take-out of an asset already out, any change to a disposed
  // asset — is a conflict. in_use again is a no-op.
  Status SetState(storage::Connection& c, const Actor& a, const std::string& asset_id, const std::string& state,
                  const std::string& request_id);

  // "機密性3・完全性2・可用性2" (or English) from the pack's labels.
  std::string Label(const storage::AssetRecord& r, bool english = false) const;
  // The pack's classification.in_scope_when for this asset (no condition: always in scope).
  bool InScope(const storage::AssetRecord& r) const;
  // Whether the pack's `sealing.asset` rule seals this asset's fields (docs/sealing.md).
  bool Sealed(const storage::AssetRecord& r) const;
  // Opens the sealed values of one of the asset's log entries (asset.create values,
  // asset.update changes), for a reader who may open the asset.
  Status OpenDetail(const std::string& id, nlohmann::json& detail) const;
  // Opens, in place, every sealed field of an asset as stored (for the re-seal pass too).
  Status OpenStored(storage::AssetRecord& r) const;
  // The record as it is stored: the fields the pack seals, sealed, when the rule selects it.
  Result<storage::AssetRecord> ToStored(const storage::AssetRecord& plain) const;
  // "" when `value` is one of the pack's levels for axis `axis` (confidentiality, integrity,
  // availability), else the error code ("out_of_range").
  std::string LevelError(const std::string& axis, int64_t value) const;

 private:
  struct Sight;
  Result<Sight> SightOf(storage::Connection& c, const Actor& a, const OrgTree& tree) const;
  Result<storage::AssetRecord> LoadVisibleIn(storage::Connection& c, const Actor& a, const std::string& id,
                                             const OrgTree& tree) const;
  // Checks every value of a would-be asset; all problems at once.
  Status Validate(storage::Connection& c, const storage::AssetRecord& r, const OrgTree& tree) const;
  // What an actor may register: assets.manage over the owner section, or their own section
  // when they hold requests.create (kobe:4.2ウ(2)).
  struct Registrar;
  Result<Registrar> RegistrarOf(storage::Connection& c, const Actor& a, const OrgTree& tree) const;
  storage::AssetRecord NewRecord(const Actor& a, const NewAsset& in, int64_t now) const;
  // Inserts a checked record and logs asset.create with its values and `extra` detail.
  Status InsertNew(storage::Connection& c, const Actor& a, const storage::AssetRecord& r,
                   const nlohmann::json& extra = nlohmann::json::object());
  Result<storage::AssetFilter> FilterFor(storage::Connection& c, const Actor& a, const AssetQuery& q,
                                         const OrgTree& tree) const;

  // One field's value sealed for the log ("handling" as its JSON list).
  Result<nlohmann::json> SealValue(const std::string& id, const std::string& field, const nlohmann::json& value) const;

  Env& env_;
  Access access_;
};

}  // namespace mamori::domain

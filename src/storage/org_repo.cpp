#include "storage/query_util.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

constexpr std::string_view kMetaGet = "SELECT value FROM meta WHERE key = ?";
constexpr std::string_view kMetaSet =
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

constexpr std::string_view kOrgColumns = "id, code, name, kind, parent_id, valid_from, valid_to, created_at";
constexpr std::string_view kOrgInsert =
    "INSERT INTO org_units (id, code, name, kind, parent_id, valid_from, valid_to, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
const std::string kOrgGet = "SELECT " + std::string(kOrgColumns) + " FROM org_units WHERE id = ?";
const std::string kOrgByCode = "SELECT " + std::string(kOrgColumns) + " FROM org_units WHERE code = ?";
const std::string kOrgAll = "SELECT " + std::string(kOrgColumns) + " FROM org_units ORDER BY code";

OrgUnitRecord ReadOrg(const Row& r) {
  return {r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Str(4), r.Str(5), r.Str(6), r.Int(7)};
}

constexpr std::string_view kUnitsInUse =
    "SELECT org_unit_id FROM users WHERE status = 'active' "
    "UNION SELECT owner_org_unit_id FROM asset_counts WHERE n > 0 AND state <> 'disposed'";

}  // namespace

Result<std::optional<std::string>> MetaRepo::Get(const std::string& key) {
  std::optional<std::string> out;
  MAMORI_TRY(c_.Query(kMetaGet, {key}, [&](const Row& r) { out = r.Str(0); }));
  return out;
}

Status MetaRepo::Set(const std::string& key, const std::string& value) {
  auto r = c_.Execute(kMetaSet, {key, value});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status OrgRepo::Insert(const OrgUnitRecord& o) {
  auto r = c_.Execute(kOrgInsert, {o.id, o.code, o.name, o.kind, Nullable(o.parent_id),
                                   Nullable(o.valid_from), Nullable(o.valid_to), o.created_at});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::optional<OrgUnitRecord>> OrgRepo::Get(const std::string& id) {
  std::optional<OrgUnitRecord> out;
  MAMORI_TRY(c_.Query(kOrgGet, {id}, [&](const Row& r) { out = ReadOrg(r); }));
  return out;
}

Result<std::optional<OrgUnitRecord>> OrgRepo::FindByCode(const std::string& code) {
  std::optional<OrgUnitRecord> out;
  MAMORI_TRY(c_.Query(kOrgByCode, {code}, [&](const Row& r) { out = ReadOrg(r); }));
  return out;
}

Result<std::vector<OrgUnitRecord>> OrgRepo::ListAll() {
  std::vector<OrgUnitRecord> out;
  MAMORI_TRY(c_.Query(kOrgAll, {}, [&](const Row& r) { out.push_back(ReadOrg(r)); }));
  return out;
}

Result<std::map<std::string, std::string>> OrgRepo::NamesOf(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  if (ids.empty()) return out;
  std::string sql = "SELECT id, name FROM org_units WHERE 1 = 1";
  Params p;
  AppendIn(sql, p, "id", ids);
  MAMORI_TRY(c_.Query(sql, p, [&](const Row& r) { out.emplace(r.Str(0), r.Str(1)); }));
  return out;
}

Result<std::vector<std::string>> OrgRepo::UnitsInUse() {
  std::vector<std::string> out;
  MAMORI_TRY(c_.Query(kUnitsInUse, {}, [&](const Row& r) { out.push_back(r.Str(0)); }));
  return out;
}

}  // namespace mamori::storage

// GCC 12 warns spuriously about std::variant (storage::Value) members once QueryPage is
// inlined here (the same false positive tests/integration/CMakeLists.txt silences).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "storage/query_util.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_SYSTEM_COLUMNS                                                                     \
  "id, name, owner_org_unit_id, network_zone, hosting, sla_availability, rto_minutes, rpo_minutes, " \
  "system_owner_user_id, system_admin_user_id, notes, created_by, created_at, updated_at, version"

constexpr std::string_view kInsert =
    "INSERT INTO information_systems (" MAMORI_SYSTEM_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kUpdate =
    "UPDATE information_systems SET name = ?, owner_org_unit_id = ?, network_zone = ?, hosting = ?, "
    "sla_availability = ?, rto_minutes = ?, rpo_minutes = ?, system_owner_user_id = ?, system_admin_user_id = ?, "
    "notes = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?";
constexpr std::string_view kGet = "SELECT " MAMORI_SYSTEM_COLUMNS " FROM information_systems WHERE id = ?";
constexpr std::string_view kByName =
    "SELECT " MAMORI_SYSTEM_COLUMNS " FROM information_systems WHERE name = ? ORDER BY id LIMIT 2";
constexpr std::string_view kExists = "SELECT COUNT(*) FROM information_systems WHERE id = ?";
constexpr std::string_view kManyHead = "SELECT " MAMORI_SYSTEM_COLUMNS " FROM information_systems s WHERE 1 = 1";
constexpr std::string_view kListHead = "SELECT " MAMORI_SYSTEM_COLUMNS " FROM information_systems s WHERE 1 = 1";
constexpr std::string_view kCountHead = "SELECT COUNT(*) FROM information_systems s WHERE 1 = 1";

SystemRecord ReadSystem(const Row& r) {
  SystemRecord s;
  s.id = r.Str(0);
  s.name = r.Str(1);
  s.owner_org_unit_id = r.Str(2);
  s.network_zone = r.Str(3);
  s.hosting = r.Str(4);
  s.sla_availability = r.Str(5);
  if (!r.IsNull(6)) s.rto_minutes = r.Int(6);
  if (!r.IsNull(7)) s.rpo_minutes = r.Int(7);
  s.system_owner_user_id = r.Str(8);
  s.system_admin_user_id = r.Str(9);
  s.notes = r.Str(10);
  s.created_by = r.Str(11);
  s.created_at = r.Int(12);
  s.updated_at = r.Int(13);
  s.version = r.Int(14);
  return s;
}

Value OptInt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(nullptr); }

void AppendFilter(const SystemFilter& f, std::string& sql, Params& p) {
  if (f.restrict) {
    // Either set may be empty; both empty match nothing.
    sql += " AND (" + AnyIn({{"s.owner_org_unit_id", &f.org_unit_ids}, {"s.id", &f.system_ids}}, p) + ")";
  }
  AppendEq(sql, p, "s.owner_org_unit_id", f.owner_org_unit_id);
  AppendEq(sql, p, "s.network_zone", f.network_zone);
  AppendEq(sql, p, "s.hosting", f.hosting);
  AppendContains(sql, p, "s.name", f.q);
}

}  // namespace

Status SystemRepo::Insert(const SystemRecord& s) {
  auto r = c_.Execute(kInsert, {s.id, s.name, s.owner_org_unit_id, s.network_zone, s.hosting,
                                Nullable(s.sla_availability), OptInt(s.rto_minutes), OptInt(s.rpo_minutes),
                                Nullable(s.system_owner_user_id), Nullable(s.system_admin_user_id), Nullable(s.notes),
                                s.created_by, s.created_at, s.updated_at, s.version});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status SystemRepo::Update(const SystemRecord& s) {
  auto r = c_.Execute(kUpdate, {s.name, s.owner_org_unit_id, s.network_zone, s.hosting, Nullable(s.sla_availability),
                                OptInt(s.rto_minutes), OptInt(s.rpo_minutes), Nullable(s.system_owner_user_id),
                                Nullable(s.system_admin_user_id), Nullable(s.notes), s.updated_at, s.id, s.version});
  if (!r.ok()) return std::move(r).error();
  if (*r == 1) return Ok();
  MAMORI_ASSIGN(int64_t exists, c_.QueryInt(kExists, {s.id}, 0));
  if (exists == 0) return Error::NotFound("情報システム");
  return Error::Conflict("情報システムは他の操作で更新されています。最新の内容を読み直してください");
}

Result<std::optional<SystemRecord>> SystemRepo::Get(const std::string& id) {
  std::optional<SystemRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) { out = ReadSystem(r); }));
  return out;
}

Result<std::vector<SystemRecord>> SystemRepo::FindByName(const std::string& name) {
  std::vector<SystemRecord> out;
  MAMORI_TRY(c_.Query(kByName, {name}, [&](const Row& r) { out.push_back(ReadSystem(r)); }));
  return out;
}

Result<std::vector<SystemRecord>> SystemRepo::GetMany(const std::vector<std::string>& ids) {
  std::vector<SystemRecord> out;
  MAMORI_TRY(ForSlices(ids, kIdsPerQuery, [&](const std::vector<std::string>& slice) -> Status {
    std::string sql(kManyHead);
    Params p;
    AppendIn(sql, p, "s.id", slice);
    return c_.Query(sql, p, [&](const Row& r) { out.push_back(ReadSystem(r)); });
  }));
  return out;
}

Result<std::vector<SystemRecord>> SystemRepo::List(const SystemFilter& f, const Page& page) {
  std::string sql(kListHead);
  Params p;
  AppendFilter(f, sql, p);
  return QueryPage<SystemRecord>(c_, std::move(sql), std::move(p), "s.name, s.id", page, ReadSystem);
}

Result<int64_t> SystemRepo::Count(const SystemFilter& f) {
  std::string sql(kCountHead);
  Params p;
  AppendFilter(f, sql, p);
  return c_.QueryInt(sql, p, 0);
}

}  // namespace mamori::storage

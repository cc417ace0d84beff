#include <nlohmann/json.hpp>

#include "storage/query_util.hpp"
#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_ASSET_COLUMNS                                                                        \
  "a.id, a.name, a.kind, a.owner_org_unit_id, a.confidentiality, a.integrity, a.availability, a.handling, " \
  "a.location, a.system_id, a.state, a.created_by, a.created_at, a.updated_at, a.version"

constexpr std::string_view kInsert =
    "INSERT INTO assets (id, name, kind, owner_org_unit_id, confidentiality, integrity, availability, handling, "
    "location, system_id, state, created_by, created_at, updated_at, version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kUpdate =
    "UPDATE assets SET name = ?, kind = ?, owner_org_unit_id = ?, confidentiality = ?, integrity = ?, "
    "availability = ?, handling = ?, location = ?, system_id = ?, state = ?, updated_at = ?, version = version + 1 "
    "WHERE id = ? AND version = ?";
constexpr std::string_view kGet = "SELECT " MAMORI_ASSET_COLUMNS " FROM assets a WHERE a.id = ?";
constexpr std::string_view kCountedKey =
    "SELECT owner_org_unit_id, confidentiality, state, kind FROM assets WHERE id = ? AND version = ?";
constexpr std::string_view kCountUp =
    "INSERT INTO asset_counts (owner_org_unit_id, confidentiality, state, kind, n) VALUES (?, ?, ?, ?, 1) "
    "ON CONFLICT (owner_org_unit_id, confidentiality, state, kind) DO UPDATE SET n = asset_counts.n + 1";
constexpr std::string_view kCountDown =
    "UPDATE asset_counts SET n = n - 1 WHERE owner_org_unit_id = ? AND confidentiality = ? AND state = ? AND kind = ?";
// The summary carries the same column names, so one filter serves both heads.
constexpr std::string_view kSumHead = "SELECT COALESCE(SUM(a.n), 0) FROM asset_counts a WHERE 1 = 1";
constexpr std::string_view kExists = "SELECT COUNT(*) FROM assets WHERE id = ?";
constexpr std::string_view kManyHead = "SELECT " MAMORI_ASSET_COLUMNS " FROM assets a WHERE 1 = 1";
constexpr std::string_view kListHead = "SELECT " MAMORI_ASSET_COLUMNS " FROM assets a WHERE 1 = 1";
constexpr std::string_view kCountHead = "SELECT COUNT(*) FROM assets a WHERE 1 = 1";


AssetRecord ReadAsset(const Row& r) {
  AssetRecord a;
  a.id = r.Str(0);
  a.name = r.Str(1);
  a.kind = r.Str(2);
  a.owner_org_unit_id = r.Str(3);
  a.confidentiality = r.Int(4);
  a.integrity = r.Int(5);
  a.availability = r.Int(6);
  a.handling = DecodeStringList(r.Text(7));
  a.location = r.Str(8);
  a.system_id = r.Str(9);
  a.state = r.Str(10);
  a.created_by = r.Str(11);
  a.created_at = r.Int(12);
  a.updated_at = r.Int(13);
  a.version = r.Int(14);
  return a;
}

// Appends the WHERE conditions of a filter; every value is a bind parameter.
void AppendFilter(const AssetFilter& f, std::string& sql, Params& p) {
  if (f.restrict_owners) {
    if (f.owner_systems.empty())
      AppendIn(sql, p, "a.owner_org_unit_id", f.owner_units);
    else
      sql += " AND (" + AnyIn({{"a.owner_org_unit_id", &f.owner_units}, {"a.system_id", &f.owner_systems}}, p) + ")";
  }
  if (f.restricted_from > 0 && !f.restricted_all) {
    sql += " AND (a.confidentiality < ?";
    p.push_back(f.restricted_from);
    if (!f.restricted_units.empty() || !f.restricted_systems.empty())
      sql += " OR " + AnyIn({{"a.owner_org_unit_id", &f.restricted_units}, {"a.system_id", &f.restricted_systems}}, p);
    sql += ")";
  }
  AppendEq(sql, p, "a.owner_org_unit_id", f.owner_org_unit_id);
  if (f.min_confidentiality > 0) {
    sql += " AND a.confidentiality >= ?";
    p.push_back(f.min_confidentiality);
  }
  AppendEq(sql, p, "a.state", f.state);
  AppendEq(sql, p, "a.kind", f.kind);
  AppendEq(sql, p, "a.system_id", f.system_id);
  AppendContains(sql, p, "a.name", f.q);
}

// The columns asset_counts groups by.
struct CountedKey {
  std::string owner;
  int64_t confidentiality = 0;
  std::string state;
  std::string kind;
  bool operator==(const CountedKey&) const = default;
};

CountedKey KeyOf(const AssetRecord& a) { return {a.owner_org_unit_id, a.confidentiality, a.state, a.kind}; }

Status Adjust(Connection& c, const CountedKey& k, bool up) {
  auto r = c.Execute(up ? kCountUp : kCountDown, {k.owner, k.confidentiality, k.state, k.kind});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

// The filter's conditions all fall on asset_counts' columns: the total can be summed.
bool Summable(const AssetFilter& f) {
  return f.q.empty() && f.system_id.empty() && f.owner_systems.empty() && f.restricted_systems.empty();
}

}  // namespace

Status AssetRepo::Insert(const AssetRecord& a) {
  auto r = c_.Execute(kInsert, {a.id, a.name, a.kind, a.owner_org_unit_id, a.confidentiality, a.integrity,
                                a.availability, EncodeStringList(a.handling), Nullable(a.location), Nullable(a.system_id),
                                a.state, a.created_by, a.created_at, a.updated_at, a.version});
  if (!r.ok()) return std::move(r).error();
  return Adjust(c_, KeyOf(a), true);
}

Status AssetRepo::Update(const AssetRecord& a) {
  std::optional<CountedKey> before;
  MAMORI_TRY(c_.Query(kCountedKey, {a.id, a.version}, [&](const Row& r) {
    before = CountedKey{r.Str(0), r.Int(1), r.Str(2), r.Str(3)};
  }));
  if (!before) {
    MAMORI_ASSIGN(int64_t exists, c_.QueryInt(kExists, {a.id}, 0));
    if (exists == 0) return Error::NotFound("情報資産");
    return Error::Conflict("情報資産は他の操作で更新されています。最新の内容を読み直してください");
  }
  auto r = c_.Execute(kUpdate, {a.name, a.kind, a.owner_org_unit_id, a.confidentiality, a.integrity, a.availability,
                                EncodeStringList(a.handling), Nullable(a.location), Nullable(a.system_id), a.state,
                                a.updated_at, a.id, a.version});
  if (!r.ok()) return std::move(r).error();
  // Callers hold the write lock, so the row read above is the row updated.
  if (*r != 1) return Error::Conflict("情報資産は他の操作で更新されています。最新の内容を読み直してください");
  if (const CountedKey after = KeyOf(a); !(after == *before)) {
    MAMORI_TRY(Adjust(c_, *before, false));
    MAMORI_TRY(Adjust(c_, after, true));
  }
  return Ok();
}

Result<std::optional<AssetRecord>> AssetRepo::Get(const std::string& id) {
  std::optional<AssetRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) { out = ReadAsset(r); }));
  return out;
}

Result<std::vector<AssetRecord>> AssetRepo::GetMany(const std::vector<std::string>& ids) {
  std::vector<AssetRecord> out;
  MAMORI_TRY(ForSlices(ids, kIdsPerQuery, [&](const std::vector<std::string>& slice) -> Status {
    std::string sql(kManyHead);
    Params p;
    AppendIn(sql, p, "a.id", slice);
    return c_.Query(sql, p, [&](const Row& r) { out.push_back(ReadAsset(r)); });
  }));
  return out;
}

Result<std::vector<AssetRecord>> AssetRepo::List(const AssetFilter& f, const Page& page) {
  std::string sql(kListHead);
  Params p;
  AppendFilter(f, sql, p);
  return QueryPage<AssetRecord>(c_, std::move(sql), std::move(p), "a.name, a.id", page, ReadAsset);
}

Result<int64_t> AssetRepo::Count(const AssetFilter& f) {
  std::string sql(Summable(f) ? kSumHead : kCountHead);
  Params p;
  AppendFilter(f, sql, p);
  return c_.QueryInt(sql, p, 0);
}

}  // namespace mamori::storage

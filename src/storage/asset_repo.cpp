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
constexpr std::string_view kExists = "SELECT COUNT(*) FROM assets WHERE id = ?";
constexpr std::string_view kListHead = "SELECT " MAMORI_ASSET_COLUMNS " FROM assets a WHERE 1 = 1";
constexpr std::string_view kCountHead = "SELECT COUNT(*) FROM assets a WHERE 1 = 1";

// Handling restrictions are a JSON array of strings in one column: they are read and written
// only with their asset, never searched.
std::string EncodeHandling(const std::vector<std::string>& items) { return nlohmann::json(items).dump(); }

std::vector<std::string> DecodeHandling(std::string_view text) {
  std::vector<std::string> out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& item : j)
    if (item.is_string()) out.push_back(item.get<std::string>());
  return out;
}

AssetRecord ReadAsset(const Row& r) {
  AssetRecord a;
  a.id = r.Str(0);
  a.name = r.Str(1);
  a.kind = r.Str(2);
  a.owner_org_unit_id = r.Str(3);
  a.confidentiality = r.Int(4);
  a.integrity = r.Int(5);
  a.availability = r.Int(6);
  a.handling = DecodeHandling(r.Text(7));
  a.location = r.Str(8);
  a.system_id = r.Str(9);
  a.state = r.Str(10);
  a.created_by = r.Str(11);
  a.created_at = r.Int(12);
  a.updated_at = r.Int(13);
  a.version = r.Int(14);
  return a;
}

// "%q%" with LIKE's wildcards escaped.
std::string Contains(const std::string& q) {
  std::string out = "%";
  for (char ch : q) {
    if (ch == '%' || ch == '_' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('%');
  return out;
}

// Appends the WHERE conditions of a filter; every value is a bind parameter.
void AppendFilter(const AssetFilter& f, std::string& sql, Params& p) {
  if (f.restrict_owners) AppendIn(sql, p, "a.owner_org_unit_id", f.owner_units);
  if (f.restricted_from > 0 && !f.restricted_all) {
    sql += " AND (a.confidentiality < ?";
    p.push_back(f.restricted_from);
    if (!f.restricted_units.empty()) {
      sql += " OR a.owner_org_unit_id IN (";
      for (size_t i = 0; i < f.restricted_units.size(); ++i) {
        sql += i ? ", ?" : "?";
        p.push_back(f.restricted_units[i]);
      }
      sql += ")";
    }
    sql += ")";
  }
  if (!f.owner_org_unit_id.empty()) {
    sql += " AND a.owner_org_unit_id = ?";
    p.push_back(f.owner_org_unit_id);
  }
  if (f.min_confidentiality > 0) {
    sql += " AND a.confidentiality >= ?";
    p.push_back(f.min_confidentiality);
  }
  if (!f.state.empty()) {
    sql += " AND a.state = ?";
    p.push_back(f.state);
  }
  if (!f.kind.empty()) {
    sql += " AND a.kind = ?";
    p.push_back(f.kind);
  }
  if (!f.system_id.empty()) {
    sql += " AND a.system_id = ?";
    p.push_back(f.system_id);
  }
  if (!f.q.empty()) {
    // LOWER() on both sides: SQLite's LIKE folds ASCII case, PostgreSQL's does not, and each
    // engine's LOWER folds the same letters on both sides.
    sql += " AND LOWER(a.name) LIKE LOWER(?) ESCAPE '\\'";
    p.push_back(Contains(f.q));
  }
}

}  // namespace

Status AssetRepo::Insert(const AssetRecord& a) {
  auto r = c_.Execute(kInsert, {a.id, a.name, a.kind, a.owner_org_unit_id, a.confidentiality, a.integrity,
                                a.availability, EncodeHandling(a.handling), Nullable(a.location), Nullable(a.system_id),
                                a.state, a.created_by, a.created_at, a.updated_at, a.version});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Status AssetRepo::Update(const AssetRecord& a) {
  auto r = c_.Execute(kUpdate, {a.name, a.kind, a.owner_org_unit_id, a.confidentiality, a.integrity, a.availability,
                                EncodeHandling(a.handling), Nullable(a.location), Nullable(a.system_id), a.state,
                                a.updated_at, a.id, a.version});
  if (!r.ok()) return std::move(r).error();
  if (*r == 1) return Ok();
  MAMORI_ASSIGN(int64_t exists, c_.QueryInt(kExists, {a.id}, 0));
  if (exists == 0) return Error::NotFound("情報資産");
  return Error::Conflict("情報資産は他の操作で更新されています。最新の内容を読み直してください");
}

Result<std::optional<AssetRecord>> AssetRepo::Get(const std::string& id) {
  std::optional<AssetRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) { out = ReadAsset(r); }));
  return out;
}

Result<std::vector<AssetRecord>> AssetRepo::List(const AssetFilter& f, const Page& page) {
  std::string sql(kListHead);
  Params p;
  AppendFilter(f, sql, p);
  return QueryPage<AssetRecord>(c_, std::move(sql), std::move(p), "a.name, a.id", page, ReadAsset);
}

Result<int64_t> AssetRepo::Count(const AssetFilter& f) {
  std::string sql(kCountHead);
  Params p;
  AppendFilter(f, sql, p);
  return c_.QueryInt(sql, p, 0);
}

}  // namespace mamori::storage

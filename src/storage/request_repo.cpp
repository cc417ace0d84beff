#include "storage/request_repo.hpp"

#include "storage/query_util.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_REQUEST_COLUMNS                                                                     \
  "r.id, r.type, r.requester_id, r.requester_org_unit_id, r.state, r.fields, r.completion, "        \
  "r.approver_role, r.approver_scope_type, r.approver_scope_id, r.decided_by, r.decided_at, "       \
  "r.decision_note, r.clause, r.expires_on, r.report_due_at, r.created_at, r.updated_at, r.version, "      \
  "r.approver_chain, r.step, r.step_actors"

constexpr std::string_view kInsert =
    "INSERT INTO requests (id, type, requester_id, requester_org_unit_id, state, fields, completion, approver_role, "
    "approver_scope_type, approver_scope_id, decided_by, decided_at, decision_note, clause, expires_on, "
    "report_due_at, created_at, updated_at, version, approver_chain, step, step_actors) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kInsertAsset = "INSERT INTO request_assets (request_id, asset_id, position) VALUES (?, ?, ?)";
constexpr std::string_view kAssets = "SELECT asset_id FROM request_assets WHERE request_id = ? ORDER BY position";
constexpr std::string_view kUpdate =
    "UPDATE requests SET state = ?, fields = ?, completion = ?, approver_role = ?, approver_scope_type = ?, "
    "approver_scope_id = ?, approver_chain = ?, step = ?, step_actors = ?, decided_by = ?, decided_at = ?, "
    "decision_note = ?, expires_on = ?, report_due_at = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?";
constexpr std::string_view kGet = "SELECT " MAMORI_REQUEST_COLUMNS " FROM requests r WHERE r.id = ?";
constexpr std::string_view kTypesHead = "SELECT r.id, r.type FROM requests r WHERE 1 = 1";
constexpr std::string_view kListHead = "SELECT " MAMORI_REQUEST_COLUMNS " FROM requests r WHERE 1 = 1";
constexpr std::string_view kCountHead = "SELECT COUNT(*) FROM requests r WHERE 1 = 1";
constexpr std::string_view kDue =
    "SELECT id FROM requests WHERE state = 'approved' AND expires_on IS NOT NULL AND expires_on < ?";
constexpr std::string_view kOpenForAssetHead =
    "SELECT COUNT(*) FROM requests r JOIN request_assets a ON a.request_id = r.id WHERE a.asset_id = ?";

RequestRecord ReadRequest(const Row& r) {
  RequestRecord q;
  q.id = r.Str(0);
  q.type = r.Str(1);
  q.requester_id = r.Str(2);
  q.requester_org_unit_id = r.Str(3);
  q.state = r.Str(4);
  q.fields = r.Str(5);
  q.completion = r.Str(6);
  q.approver_role = r.Str(7);
  q.approver_scope_type = r.Str(8);
  q.approver_scope_id = r.Str(9);
  q.decided_by = r.Str(10);
  q.decided_at = r.Int(11);
  q.decision_note = r.Str(12);
  q.clause = r.Str(13);
  q.expires_on = r.Str(14);
  q.report_due_at = r.Int(15);
  q.created_at = r.Int(16);
  q.updated_at = r.Int(17);
  q.version = r.Int(18);
  q.approver_chain = r.Str(19);
  q.step = r.Int(20);
  q.step_actors = DecodeStringList(r.Str(21));
  return q;
}

void AppendFilter(const RequestFilter& f, std::string& sql, Params& p) {
  if (!f.state.empty()) {
    sql += " AND r.state = ?";
    p.push_back(f.state);
  }
  if (!f.type.empty()) {
    sql += " AND r.type = ?";
    p.push_back(f.type);
  }
  if (!f.requester_id.empty()) {
    sql += " AND r.requester_id = ?";
    p.push_back(f.requester_id);
  }
  if (!f.asset_id.empty()) {
    sql += " AND EXISTS (SELECT 1 FROM request_assets a WHERE a.request_id = r.id AND a.asset_id = ?)";
    p.push_back(f.asset_id);
  }
  if (f.inbox) {
    sql += " AND r.state IN ('submitted', 'reported') AND (1 = 0";
    for (const auto& role : f.inbox_city_roles) {
      sql += " OR r.approver_role = ?";
      p.push_back(role);
    }
    for (const auto& [role, unit] : f.inbox_unit_roles) {
      sql += " OR (r.approver_role = ? AND r.approver_scope_id = ?)";
      p.push_back(role);
      p.push_back(unit);
    }
    for (const auto& [role, system] : f.inbox_system_roles) {
      sql += " OR (r.approver_role = ? AND r.approver_scope_type = 'system' AND r.approver_scope_id = ?)";
      p.push_back(role);
      p.push_back(system);
    }
    sql += ")";
  }
  if (!f.exclude_step_actor_id.empty()) {
    // step_actors is a JSON array of ids ("[\"a\",\"b\"]"); an id is matched with its quotes.
    std::string pattern = "%";
    for (char ch : nlohmann::json(f.exclude_step_actor_id).dump()) {
      if (ch == '%' || ch == '_' || ch == '\\') pattern += '\\';
      pattern += ch;
    }
    sql += " AND r.step_actors NOT LIKE ? ESCAPE '\\'";
    p.push_back(pattern + "%");
  }
  if (!f.exclude_requester_id.empty()) {
    sql += " AND r.requester_id <> ?";
    p.push_back(f.exclude_requester_id);
  }
  if (f.restrict_units) {
    std::string units;
    Params up;
    AppendIn(units, up, "r.requester_org_unit_id", f.unit_ids);
    // "... AND r.requester_org_unit_id IN (...)" becomes "(requester's unit in scope OR own)".
    sql += " AND ((1 = 1" + units + ") OR r.requester_id = ?)";
    for (auto& v : up) p.push_back(std::move(v));
    p.push_back(f.or_requester_id);
  }
}

Status Done(Result<int64_t> r) {
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

}  // namespace

Status RequestRepo::Insert(const RequestRecord& q) {
  MAMORI_TRY(Done(c_.Execute(kInsert, {q.id, q.type, q.requester_id, q.requester_org_unit_id, q.state, q.fields,
                                       q.completion, q.approver_role, q.approver_scope_type,
                                       Nullable(q.approver_scope_id), Nullable(q.decided_by),
                                       NullableInt(q.decided_at, q.decided_at != 0), Nullable(q.decision_note),
                                       q.clause, Nullable(q.expires_on),
                                       NullableInt(q.report_due_at, q.report_due_at != 0), q.created_at,
                                       q.updated_at, q.version, q.approver_chain, q.step,
                                       EncodeStringList(q.step_actors)})));
  for (size_t i = 0; i < q.asset_ids.size(); ++i)
    MAMORI_TRY(Done(c_.Execute(kInsertAsset, {q.id, q.asset_ids[i], static_cast<int64_t>(i)})));
  return Ok();
}

Status RequestRepo::Update(const RequestRecord& q) {
  MAMORI_ASSIGN(int64_t n, c_.Execute(kUpdate, {q.state, q.fields, q.completion, q.approver_role,
                                               q.approver_scope_type, Nullable(q.approver_scope_id), q.approver_chain,
                                               q.step, EncodeStringList(q.step_actors), Nullable(q.decided_by),
                                               NullableInt(q.decided_at, q.decided_at != 0),
                                               Nullable(q.decision_note), Nullable(q.expires_on),
                                               NullableInt(q.report_due_at, q.report_due_at != 0), q.updated_at,
                                               q.version, q.id, q.version - 1}));
  if (n != 1) return Error::Conflict("申請は他の操作で更新されました。もう一度読み込んでください");
  return Ok();
}

Status RequestRepo::LoadAssets(RequestRecord& r) {
  return c_.Query(kAssets, {r.id}, [&](const Row& row) { r.asset_ids.push_back(row.Str(0)); });
}

Result<std::optional<RequestRecord>> RequestRepo::Get(const std::string& id) {
  std::optional<RequestRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) { out = ReadRequest(r); }));
  if (out) MAMORI_TRY(LoadAssets(*out));
  return out;
}

Result<std::map<std::string, std::string>> RequestRepo::TypesOf(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  MAMORI_TRY(ForSlices(ids, kIdsPerQuery, [&](const std::vector<std::string>& slice) -> Status {
    std::string sql(kTypesHead);
    Params p;
    AppendIn(sql, p, "r.id", slice);
    return c_.Query(sql, p, [&](const Row& r) { out.emplace(r.Str(0), r.Str(1)); });
  }));
  return out;
}

Result<std::vector<RequestRecord>> RequestRepo::List(const RequestFilter& f, const Page& page) {
  std::string sql(kListHead);
  Params p;
  AppendFilter(f, sql, p);
  MAMORI_ASSIGN(auto out, QueryPage<RequestRecord>(c_, std::move(sql), std::move(p), "r.created_at DESC, r.id", page,
                                                   ReadRequest));
  for (auto& r : out) MAMORI_TRY(LoadAssets(r));
  return out;
}

Result<int64_t> RequestRepo::Count(const RequestFilter& f) {
  std::string sql(kCountHead);
  Params p;
  AppendFilter(f, sql, p);
  return c_.QueryInt(sql, p, 0);
}

Result<std::vector<std::string>> RequestRepo::DueToExpire(const std::string& today) {
  std::vector<std::string> out;
  MAMORI_TRY(c_.Query(kDue, {today}, [&](const Row& r) { out.push_back(r.Str(0)); }));
  return out;
}

Result<int64_t> RequestRepo::CountOpenForAsset(const std::string& asset_id, const std::vector<std::string>& states) {
  std::string sql(kOpenForAssetHead);
  Params p{asset_id};
  AppendIn(sql, p, "r.state", states);
  return c_.QueryInt(sql, p, 0);
}

}  // namespace mamori::storage

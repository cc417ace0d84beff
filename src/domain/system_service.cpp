#include "domain/system_service.hpp"

#include <algorithm>
#include <regex>

#include "common/json_input.hpp"

namespace mamori::domain {
namespace {

bool OneOf(const auto& list, const std::string& v) {
  return std::find(std::begin(list), std::end(list), v) != std::end(list);
}

std::string Target(const std::string& id) { return "system:" + id; }

Error NotFound() { return Error::NotFound("情報システム"); }

nlohmann::json OptJson(const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

nlohmann::json SystemDetail(const storage::SystemRecord& r) {
  return {{"name", r.name},
          {"owner_org_unit_id", r.owner_org_unit_id},
          {"network_zone", r.network_zone},
          {"hosting", r.hosting},
          {"sla_availability", r.sla_availability},
          {"rto_minutes", OptJson(r.rto_minutes)},
          {"rpo_minutes", OptJson(r.rpo_minutes)},
          {"system_owner_user_id", r.system_owner_user_id},
          {"system_admin_user_id", r.system_admin_user_id},
          {"notes", r.notes}};
}

// The system ids an actor's system-scoped roles name, for `permission`.
std::vector<std::string> ScopedSystems(const Actor& a, const policy::PolicyPack& pack, const std::string& permission) {
  std::vector<std::string> out;
  for (const auto& r : a.roles) {
    if (r.scope_type != "system") continue;
    const policy::RoleDef* def = pack.FindRole(r.role);
    if (def && OneOf(def->permissions, permission)) out.push_back(r.scope_id);
  }
  return out;
}

}  // namespace

std::string NetworkZoneLabel(const std::string& zone, bool english) {
  if (zone == "mynumber") return english ? "Individual number (My Number) segment" : "マイナンバー利用事務系";
  if (zone == "lgwan") return english ? "LGWAN-connected segment" : "LGWAN接続系";
  if (zone == "internet") return english ? "Internet-connected segment" : "インターネット接続系";
  if (zone == "other") return english ? "Other" : "その他";
  return "";
}

bool ValidSlaAvailability(const std::string& s) {
  static const std::regex kPattern(R"(^(100(\.0{1,3})?|[0-9]{1,2}(\.[0-9]{1,3})?)$)");
  return std::regex_match(s, kPattern);
}

bool SystemService::Reaches(const Actor& a, const std::string& permission, const storage::SystemRecord& s,
                            const OrgTree& tree) const {
  if (access_.Units(a, permission, tree).Covers(s.owner_org_unit_id)) return true;
  return OneOf(ScopedSystems(a, env_.pack, permission), s.id);
}

Status SystemService::Validate(storage::Connection& c, const storage::SystemRecord& r, const OrgTree& tree) const {
  std::vector<FieldError> errors;
  if (std::string code = CheckString(r.name, {1, kSystemNameMax}); !code.empty()) errors.push_back({"name", code});
  if (!tree.Contains(r.owner_org_unit_id)) errors.push_back({"owner_org_unit_id", "not_found"});
  if (!OneOf(kNetworkZones, r.network_zone)) errors.push_back({"network_zone", "not_allowed"});
  if (!OneOf(kHostings, r.hosting)) errors.push_back({"hosting", "not_allowed"});
  if (!r.sla_availability.empty() && !ValidSlaAvailability(r.sla_availability))
    errors.push_back({"sla_availability", "invalid_format"});
  if (r.rto_minutes && (*r.rto_minutes < 0 || *r.rto_minutes > kRecoveryMinutesMax))
    errors.push_back({"rto_minutes", "out_of_range"});
  if (r.rpo_minutes && (*r.rpo_minutes < 0 || *r.rpo_minutes > kRecoveryMinutesMax))
    errors.push_back({"rpo_minutes", "out_of_range"});
  if (std::string code = CheckString(r.notes, {0, kSystemNotesMax, /*multiline=*/true}); !code.empty())
    errors.push_back({"notes", code});
  storage::UserRepo users(c);
  for (const auto& [field, id] : {std::pair<const char*, const std::string&>{"system_owner_user_id", r.system_owner_user_id},
                                  {"system_admin_user_id", r.system_admin_user_id}}) {
    if (id.empty()) continue;
    MAMORI_ASSIGN(auto u, users.Get(id));
    if (!u || u->status == "deleted") errors.push_back({field, "not_found"});
  }
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  return Ok();
}

Result<storage::SystemRecord> SystemService::Create(const Actor& a, const NewSystem& in) {
  if (!access_.Has(a, perm::kSystemsManage)) return Error::Forbidden();
  return env_.db.Write([&](storage::Connection& c) -> Result<storage::SystemRecord> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const int64_t now = env_.clock.NowMicros();
    storage::SystemRecord r;
    r.id = NewId();
    r.name = in.name;
    r.owner_org_unit_id = in.owner_org_unit_id;
    r.network_zone = in.network_zone;
    r.hosting = in.hosting;
    r.sla_availability = in.sla_availability;
    r.rto_minutes = in.rto_minutes;
    r.rpo_minutes = in.rpo_minutes;
    r.system_owner_user_id = in.system_owner_user_id;
    r.system_admin_user_id = in.system_admin_user_id;
    r.notes = in.notes;
    r.created_by = a.user_id;
    r.created_at = now;
    r.updated_at = now;
    r.version = 1;
    MAMORI_TRY(Validate(c, r, tree));
    if (!access_.Units(a, perm::kSystemsManage, tree).Covers(r.owner_org_unit_id))
      return Error::Forbidden("この所属の情報システムを登録する権限がありません");
    MAMORI_TRY(storage::SystemRepo(c).Insert(r));
    audit::Event e = a.Event("system.create", Target(r.id));
    e.detail = SystemDetail(r);
    MAMORI_TRY(env_.log.Record(c, e));
    return r;
  });
}

Result<storage::SystemRecord> SystemService::Get(const Actor& a, const std::string& id) {
  return env_.db.Read([&](storage::Connection& c) -> Result<storage::SystemRecord> {
    MAMORI_ASSIGN(auto s, storage::SystemRepo(c).Get(id));
    if (!s) return NotFound();
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (!Reaches(a, perm::kSystemsRead, *s, tree)) return NotFound();
    return *s;
  });
}

Result<SystemList> SystemService::List(const Actor& a, const SystemQuery& q) {
  if (!access_.Has(a, perm::kSystemsRead)) return Error::Forbidden();
  return env_.db.Read([&](storage::Connection& c) -> Result<SystemList> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, perm::kSystemsRead, tree);
    storage::SystemFilter f;
    if (!scope.all) {
      f.restrict = true;
      f.org_unit_ids.assign(scope.units.begin(), scope.units.end());
      f.system_ids = ScopedSystems(a, env_.pack, perm::kSystemsRead);
    }
    f.owner_org_unit_id = q.owner_org_unit_id;
    f.network_zone = q.network_zone;
    f.hosting = q.hosting;
    f.q = q.q;
    storage::SystemRepo repo(c);
    SystemList out;
    MAMORI_ASSIGN(out.items, repo.List(f, q.page));
    MAMORI_ASSIGN(out.total, repo.Count(f));
    for (const auto& r : out.items)
      if (const auto* u = tree.Find(r.owner_org_unit_id)) out.unit_names[u->id] = u->name;
    return out;
  });
}

Result<storage::SystemRecord> SystemService::Update(const Actor& a, const std::string& id, const SystemChanges& in) {
  return env_.db.Write([&](storage::Connection& c) -> Result<storage::SystemRecord> {
    MAMORI_ASSIGN(auto found, storage::SystemRepo(c).Get(id));
    if (!found) return NotFound();
    const storage::SystemRecord cur = *found;
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (!Reaches(a, perm::kSystemsRead, cur, tree) && !Reaches(a, perm::kSystemsManage, cur, tree)) return NotFound();
    if (!Reaches(a, perm::kSystemsManage, cur, tree)) return Error::Forbidden("この情報システムを変更する権限がありません");
    storage::SystemRecord next = cur;
    if (in.name) next.name = *in.name;
    if (in.owner_org_unit_id) next.owner_org_unit_id = *in.owner_org_unit_id;
    if (in.network_zone) next.network_zone = *in.network_zone;
    if (in.hosting) next.hosting = *in.hosting;
    if (in.sla_availability) next.sla_availability = *in.sla_availability;
    if (in.rto_minutes) next.rto_minutes = *in.rto_minutes;
    if (in.rpo_minutes) next.rpo_minutes = *in.rpo_minutes;
    if (in.system_owner_user_id) next.system_owner_user_id = *in.system_owner_user_id;
    if (in.system_admin_user_id) next.system_admin_user_id = *in.system_admin_user_id;
    if (in.notes) next.notes = *in.notes;
    MAMORI_TRY(Validate(c, next, tree));
    if (in.version != cur.version) {
      Error e = Error::Conflict("情報システムは他の操作で更新されています（現在の版: " + std::to_string(cur.version) +
                                "）。最新の内容を読み直してください");
      e.fields.push_back({"version", "stale"});
      return e;
    }
    if (next.owner_org_unit_id != cur.owner_org_unit_id &&
        !access_.Units(a, perm::kSystemsManage, tree).Covers(next.owner_org_unit_id))
      return Error::Forbidden("移管先の所属の情報システムを管理する権限がありません");
    const nlohmann::json before = SystemDetail(cur), after = SystemDetail(next);
    nlohmann::json changes = nlohmann::json::object();
    for (const auto& [key, value] : after.items())
      if (before[key] != value) changes[key] = {{"from", before[key]}, {"to", value}};
    if (changes.empty()) return cur;
    next.updated_at = env_.clock.NowMicros();
    MAMORI_TRY(storage::SystemRepo(c).Update(next));
    next.version = cur.version + 1;
    audit::Event e = a.Event("system.update", Target(next.id));
    e.detail = {{"changes", changes}, {"version", next.version}};
    MAMORI_TRY(env_.log.Record(c, e));
    return next;
  });
}

Result<std::map<std::string, std::string>> SystemService::VisibleNames(storage::Connection& c, const Actor& a,
                                                                       const std::vector<std::string>& ids,
                                                                       const OrgTree& tree) const {
  std::map<std::string, std::string> out;
  if (ids.empty() || !access_.Has(a, perm::kSystemsRead)) return out;
  MAMORI_ASSIGN(auto found, storage::SystemRepo(c).GetMany(ids));
  for (const auto& s : found)
    if (Reaches(a, perm::kSystemsRead, s, tree)) out.emplace(s.id, s.name);
  return out;
}

Result<std::map<std::string, std::string>> SystemService::UnitNames(const std::vector<std::string>& ids) {
  if (ids.empty()) return std::map<std::string, std::string>{};
  return env_.db.Read([&](storage::Connection& c) { return storage::OrgRepo(c).NamesOf(ids); });
}

}  // namespace mamori::domain

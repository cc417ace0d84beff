#include "domain/asset_service.hpp"

#include <algorithm>
#include <set>

#include "common/json_input.hpp"
#include "domain/asset_sheet.hpp"

namespace mamori::domain {
namespace {

bool OneOf(const auto& list, const std::string& v) {
  return std::find(std::begin(list), std::end(list), v) != std::end(list);
}

std::string Target(const std::string& id) { return "asset:" + id; }

Error NotFound() { return Error::NotFound("情報資産"); }

nlohmann::json AssetDetail(const storage::AssetRecord& r) {
  return {{"name", r.name},
          {"kind", r.kind},
          {"owner_org_unit_id", r.owner_org_unit_id},
          {"confidentiality", r.confidentiality},
          {"integrity", r.integrity},
          {"availability", r.availability},
          {"handling", r.handling},
          {"location", r.location},
          {"system_id", r.system_id}};
}

// A sealed asset field's stored form: name and location as sealed text; the handling list as
// one item, the sealed JSON of the whole list (so neither its items nor their number show).
bool IsSealedHandling(const std::vector<std::string>& h) { return h.size() == 1 && crypto::IsSealed(h[0]); }

}  // namespace

bool AssetService::Sealed(const storage::AssetRecord& r) const {
  const policy::SealingRule* rule = env_.pack.sealing.Find("asset");
  if (!rule) return false;
  if (rule->when.empty()) return true;
  auto v = rule->when.Evaluate(AssetContext(r));
  return v.ok() && *v;
}

Result<nlohmann::json> AssetService::SealValue(const std::string& id, const std::string& field,
                                               const nlohmann::json& value) const {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (value.is_string() && text.empty()) return value;  // nothing to hide in an empty location
  MAMORI_ASSIGN(std::string sealed, env_.sealer->Seal(text, FieldPlace("asset", id, field)));
  return nlohmann::json(sealed);
}

Result<storage::AssetRecord> AssetService::ToStored(const storage::AssetRecord& plain) const {
  if (!Sealed(plain)) return plain;
  storage::AssetRecord out = plain;
  for (const auto& f : env_.pack.sealing.Find("asset")->fields) {
    if (f == "name") {
      MAMORI_ASSIGN(auto v, SealValue(plain.id, f, plain.name));
      out.name = v.get<std::string>();
    } else if (f == "location") {
      MAMORI_ASSIGN(auto v, SealValue(plain.id, f, plain.location));
      out.location = v.get<std::string>();
    } else if (f == "handling") {
      MAMORI_ASSIGN(auto v, SealValue(plain.id, f, nlohmann::json(plain.handling)));
      out.handling = {v.get<std::string>()};
    }
  }
  return out;
}

Status AssetService::OpenStored(storage::AssetRecord& r) const {
  const Sealer& s = *env_.sealer;
  MAMORI_ASSIGN(r.name, s.Open(r.name, FieldPlace("asset", r.id, "name")));
  MAMORI_ASSIGN(r.location, s.Open(r.location, FieldPlace("asset", r.id, "location")));
  if (IsSealedHandling(r.handling)) {
    MAMORI_ASSIGN(std::string text, s.Open(r.handling[0], FieldPlace("asset", r.id, "handling")));
    nlohmann::json list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!list.is_array()) return Error::Internal("sealed handling list is not a list");
    r.handling.clear();
    for (const auto& item : list)
      if (item.is_string()) r.handling.push_back(item.get<std::string>());
  }
  return Ok();
}

Status AssetService::OpenDetail(const std::string& id, nlohmann::json& detail) const {
  auto open = [&](const std::string& field, nlohmann::json& v) -> Status {
    if (!v.is_string() || !crypto::IsSealed(v.get_ref<const std::string&>())) return Ok();
    MAMORI_ASSIGN(std::string text, env_.sealer->Open(v.get<std::string>(), FieldPlace("asset", id, field)));
    if (field == "handling") {
      nlohmann::json list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      v = list.is_array() ? list : nlohmann::json(text);
    } else {
      v = text;
    }
    return Ok();
  };
  if (!detail.is_object()) return Ok();
  for (const char* f : policy::kSealableAssetFields) {
    if (detail.contains(f)) MAMORI_TRY(open(f, detail[f]));
    if (detail.contains("changes") && detail["changes"].is_object() && detail["changes"].contains(f)) {
      nlohmann::json& ch = detail["changes"][f];
      for (const char* side : {"from", "to"})
        if (ch.is_object() && ch.contains(side)) MAMORI_TRY(open(f, ch[side]));
    }
  }
  return Ok();
}

// Who sees which assets (kobe:4.2オ(2)): assets.read over the owner unit, or by a role scoped
// to the asset's system; at or above the pack's restricted confidentiality also
// assets.read_restricted over the owner unit or the system, or membership of the owner unit.
struct AssetService::Sight {
  UnitScope read;
  std::set<std::string> read_systems;
  UnitScope restricted;
  std::set<std::string> restricted_systems;
  std::string own_unit;
  int64_t restricted_from = 0;

  bool Sees(const storage::AssetRecord& r) const {
    const bool by_system = !r.system_id.empty();
    if (!read.Covers(r.owner_org_unit_id) && !(by_system && read_systems.count(r.system_id))) return false;
    if (restricted_from <= 0 || r.confidentiality < restricted_from) return true;
    return restricted.Covers(r.owner_org_unit_id) || (by_system && restricted_systems.count(r.system_id)) ||
           (!own_unit.empty() && own_unit == r.owner_org_unit_id);
  }

  // The same rule as a filter. Only the units both readable and restricted-readable matter;
  // when the restriction cannot hide anything readable it is left out, which keeps the query
  // on the owner index.
  void Restrict(storage::AssetFilter& f) const {
    if (!read.all) {
      f.restrict_owners = true;
      f.owner_units.assign(read.units.begin(), read.units.end());
      f.owner_systems.assign(read_systems.begin(), read_systems.end());
    }
    if (restricted_from <= 0 || restricted.all) return;
    std::set<std::string> units = restricted.units;
    if (!own_unit.empty()) units.insert(own_unit);
    if (!read.all) {
      std::erase_if(units, [&](const std::string& u) { return !read.units.count(u); });
      if (units.size() == read.units.size() &&
          std::includes(restricted_systems.begin(), restricted_systems.end(), read_systems.begin(), read_systems.end()))
        return;
    }
    f.restricted_from = restricted_from;
    f.restricted_units.assign(units.begin(), units.end());
    f.restricted_systems.assign(restricted_systems.begin(), restricted_systems.end());
  }
};

namespace {

// The systems an actor's system-scoped roles name, for `permission`.
std::set<std::string> ScopedSystems(const Actor& a, const policy::PolicyPack& pack, const std::string& permission) {
  std::set<std::string> out;
  for (const auto& r : a.roles) {
    if (r.scope_type != "system") continue;
    const policy::RoleDef* def = pack.FindRole(r.role);
    if (def && OneOf(def->permissions, permission)) out.insert(r.scope_id);
  }
  return out;
}

}  // namespace

policy::Context AssetContext(const storage::AssetRecord& a, const storage::SystemRecord* system) {
  policy::Context ctx;
  PutAssetValues(ctx, a, system);
  return ctx;
}

void PutAssetValues(policy::Context& ctx, const storage::AssetRecord& a, const storage::SystemRecord* system) {
  ctx.Set("asset.confidentiality", a.confidentiality);
  ctx.Set("asset.integrity", a.integrity);
  ctx.Set("asset.availability", a.availability);
  ctx.Set("asset.kind", a.kind);
  ctx.Set("asset.state", a.state);
  policy::Value::List handling;
  for (const auto& h : a.handling) handling.emplace_back(h);
  ctx.Set("asset.handling", policy::Value(std::move(handling)));
  ctx.Set("asset.owner_org_unit_id", a.owner_org_unit_id);
  ctx.Set("asset.system_id", a.system_id.empty() ? policy::Value() : policy::Value(a.system_id));
  if (system) {
    ctx.Set("asset.system.network_zone", system->network_zone);
    ctx.Set("asset.system.hosting", system->hosting);
  }
}

std::string AssetService::Label(const storage::AssetRecord& r, bool english) const {
  return env_.pack.classification.Label(static_cast<int>(r.confidentiality), static_cast<int>(r.integrity),
                                        static_cast<int>(r.availability), english);
}

bool AssetService::InScope(const storage::AssetRecord& r) const {
  const policy::Expr& when = env_.pack.classification.in_scope_when;
  if (when.empty()) return true;
  auto v = when.Evaluate(AssetContext(r));
  return v.ok() && *v;
}

std::string AssetService::LevelError(const std::string& axis, int64_t value) const {
  const policy::Dimension* d = env_.pack.classification.Find(axis);
  if (!d) return "out_of_range";
  return std::find(d->levels.begin(), d->levels.end(), value) == d->levels.end() ? "out_of_range" : "";
}

Result<AssetService::Sight> AssetService::SightOf(storage::Connection& c, const Actor& a, const OrgTree& tree) const {
  Sight s;
  s.read = access_.Units(a, perm::kAssetsRead, tree);
  s.read_systems = ScopedSystems(a, env_.pack, perm::kAssetsRead);
  s.restricted_from = env_.pack.classification.restricted_confidentiality;
  if (s.restricted_from > 0) {
    s.restricted = access_.Units(a, perm::kAssetsReadRestricted, tree);
    s.restricted_systems = ScopedSystems(a, env_.pack, perm::kAssetsReadRestricted);
    MAMORI_ASSIGN(auto me, storage::UserRepo(c).Get(a.user_id));
    if (me && me->status != "deleted") s.own_unit = me->org_unit_id;
  }
  return s;
}

Status AssetService::Validate(storage::Connection& c, const storage::AssetRecord& r, const OrgTree& tree) const {
  std::vector<FieldError> errors;
  if (std::string code = CheckString(r.name, {1, kAssetNameMax}); !code.empty()) errors.push_back({"name", code});
  if (!OneOf(kAssetKinds, r.kind)) errors.push_back({"kind", "not_allowed"});
  const int64_t levels[] = {r.confidentiality, r.integrity, r.availability};
  for (size_t i = 0; i < 3; ++i)
    if (std::string code = LevelError(kClassificationAxes[i], levels[i]); !code.empty())
      errors.push_back({kClassificationAxes[i], code});
  if (r.handling.size() > kHandlingItemsMax) {
    errors.push_back({"handling", "too_many_items"});
  } else {
    std::set<std::string> seen;
    for (size_t i = 0; i < r.handling.size(); ++i) {
      const std::string field = "handling[" + std::to_string(i) + "]";
      if (std::string code = CheckString(r.handling[i], {1, kHandlingItemMax}); !code.empty())
        errors.push_back({field, code});
      else if (!seen.insert(r.handling[i]).second)
        errors.push_back({field, "duplicate"});
    }
  }
  if (std::string code = CheckString(r.location, {0, kAssetLocationMax}); !code.empty())
    errors.push_back({"location", code});
  const storage::OrgUnitRecord* owner = tree.Find(r.owner_org_unit_id);
  if (!owner)
    errors.push_back({"owner_org_unit_id", "not_found"});
  else if (owner->kind != "section")
    errors.push_back({"owner_org_unit_id", "not_a_section"});  // the owner is a 課 (kobe:4.2)
  if (!r.system_id.empty()) {
    MAMORI_ASSIGN(auto sys, storage::SystemRepo(c).Get(r.system_id));
    if (!sys) errors.push_back({"system_id", "not_found"});
  }
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  return Ok();
}

struct AssetService::Registrar {
  UnitScope manage;
  std::string own_unit;  // "" unless the actor may register for their own section

  bool May(const std::string& owner) const { return manage.Covers(owner) || (!own_unit.empty() && own_unit == owner); }
};

Result<AssetService::Registrar> AssetService::RegistrarOf(storage::Connection& c, const Actor& a,
                                                          const OrgTree& tree) const {
  Registrar r;
  r.manage = access_.Units(a, perm::kAssetsManage, tree);
  if (access_.Has(a, perm::kRequestsCreate)) {
    MAMORI_ASSIGN(auto me, storage::UserRepo(c).Get(a.user_id));
    if (me && me->status != "deleted") r.own_unit = me->org_unit_id;
  }
  return r;
}

storage::AssetRecord AssetService::NewRecord(const Actor& a, const NewAsset& in, int64_t now) const {
  storage::AssetRecord r;
  r.id = NewId();
  r.name = in.name;
  r.kind = in.kind;
  r.owner_org_unit_id = in.owner_org_unit_id;
  r.confidentiality = in.confidentiality;
  r.integrity = in.integrity;
  r.availability = in.availability;
  r.handling = in.handling;
  r.location = in.location;
  r.system_id = in.system_id;
  r.state = "in_use";
  r.created_by = a.user_id;
  r.created_at = now;
  r.updated_at = now;
  r.version = 1;
  return r;
}

Status AssetService::InsertNew(storage::Connection& c, const Actor& a, const storage::AssetRecord& r,
                               const nlohmann::json& extra) {
  MAMORI_ASSIGN(storage::AssetRecord stored, ToStored(r));
  MAMORI_TRY(storage::AssetRepo(c).Insert(stored));
  audit::Event e = a.Event("asset.create", Target(r.id));
  e.clause = env_.pack.Cite(env_.pack.classification.clause);
  // The log keeps a sealed field sealed (the entry's hash covers the sealed text).
  e.detail = AssetDetail(stored);
  if (IsSealedHandling(stored.handling)) e.detail["handling"] = stored.handling[0];
  e.detail["label"] = Label(r);
  for (const auto& [k, v] : extra.items()) e.detail[k] = v;
  return env_.log.Record(c, e);
}

Result<storage::AssetRecord> AssetService::Create(const Actor& a, const NewAsset& in) {
  // Without either permission anywhere, nothing about the input is worth answering.
  if (!access_.Has(a, perm::kAssetsManage) && !access_.Has(a, perm::kRequestsCreate)) return Error::Forbidden();
  return env_.db.Write([&](storage::Connection& c) -> Result<storage::AssetRecord> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    storage::AssetRecord r = NewRecord(a, in, env_.clock.NowMicros());
    MAMORI_TRY(Validate(c, r, tree));
    MAMORI_ASSIGN(Registrar registrar, RegistrarOf(c, a, tree));
    if (!registrar.May(r.owner_org_unit_id)) return Error::Forbidden("この所属の情報資産を登録する権限がありません");
    MAMORI_TRY(InsertNew(c, a, r));
    return r;
  });
}

Result<AssetImportResult> AssetService::Import(const Actor& a, const CsvTable& table,
                                               const AssetImportOptions& options) {
  if (!access_.Has(a, perm::kAssetsManage) && !access_.Has(a, perm::kRequestsCreate)) return Error::Forbidden();
  MAMORI_ASSIGN(AssetSheetReader reader, AssetSheetReader::Open(table, env_.pack.classification));
  const std::vector<AssetSheetRow> rows = reader.Rows();
  if (rows.size() > kAssetImportMaxRows)
    return Error::Validation("file", "too_many_rows",
                             "一度に取り込めるのは " + std::to_string(kAssetImportMaxRows) + " 行までです");
  auto work = [&](storage::Connection& c) -> Result<AssetImportResult> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    MAMORI_ASSIGN(Registrar registrar, RegistrarOf(c, a, tree));
    std::map<std::string, std::vector<const storage::OrgUnitRecord*>> by_code, by_name;
    for (const auto& [id, u] : tree.units()) {
      by_code[u.code].push_back(&u);
      if (u.kind == "section") by_name[u.name].push_back(&u);
    }
    std::map<std::string, std::vector<storage::SystemRecord>> systems;  // reference → matches
    const int64_t now = env_.clock.NowMicros();
    std::vector<storage::AssetRecord> records;
    std::vector<FieldError> errors;
    size_t rejected = 0;
    for (const AssetSheetRow& row : rows) {
      std::vector<FieldError> found = row.errors;
      auto has = [&](const std::string& field) {
        return std::any_of(found.begin(), found.end(), [&](const FieldError& f) {
          return f.field.substr(0, f.field.find('[')) == field.substr(0, field.find('['));
        });
      };
      auto add = [&](const std::string& field, const std::string& code) {
        if (!has(field)) found.emplace_back(field, code, row.row, reader.ColumnFor(field, &row));
      };
      NewAsset in = row.asset;
      // The owner: by code when one is given (the name, if also given, must agree), else by a
      // section's exact name.
      if (!row.owner_code.empty()) {
        auto it = by_code.find(row.owner_code);
        if (it == by_code.end()) add("owner_org_unit_id", "not_found");
        else if (!row.owner_name.empty() && it->second.front()->name != row.owner_name) add("owner_org_unit_id", "mismatch");
        else in.owner_org_unit_id = it->second.front()->id;
      } else if (!row.owner_name.empty()) {
        auto it = by_name.find(row.owner_name);
        if (it == by_name.end()) add("owner_org_unit_id", "not_found");
        else if (it->second.size() > 1) add("owner_org_unit_id", "ambiguous");
        else in.owner_org_unit_id = it->second.front()->id;
      }
      // The system: by id, else by exact name.
      if (!row.system.empty()) {
        auto cached = systems.find(row.system);
        if (cached == systems.end()) {
          MAMORI_ASSIGN(auto by_id, storage::SystemRepo(c).Get(row.system));
          std::vector<storage::SystemRecord> matches;
          if (by_id) {
            matches.push_back(*by_id);
          } else {
            MAMORI_ASSIGN(matches, storage::SystemRepo(c).FindByName(row.system));
          }
          cached = systems.emplace(row.system, std::move(matches)).first;
        }
        if (cached->second.empty()) add("system_id", "not_found");
        else if (cached->second.size() > 1) add("system_id", "ambiguous");
        else in.system_id = cached->second.front().id;
      }
      storage::AssetRecord r = NewRecord(a, in, now);
      if (Status valid = Validate(c, r, tree); !valid.ok()) {
        if (valid.error().code != ErrorCode::kValidationFailed) return valid.error();
        for (const FieldError& f : valid.error().fields) add(f.field, f.code);
      }
      if (!has("owner_org_unit_id") && !registrar.May(r.owner_org_unit_id)) add("owner_org_unit_id", "forbidden");
      if (!found.empty()) {
        ++rejected;
        errors.insert(errors.end(), found.begin(), found.end());
      }
      records.push_back(std::move(r));
    }
    if (!errors.empty()) {
      Error e = Error::Invalid(std::move(errors));
      e.detail = std::to_string(rows.size()) + " 行のうち " + std::to_string(rejected) +
                 " 行に誤りがあります。取り込みは行われていません（1 件も登録していません）";
      return e;
    }
    AssetImportResult out;
    out.dry_run = options.dry_run;
    out.rows = static_cast<int64_t>(records.size());
    if (options.dry_run) return out;
    const std::string import_id = NewId();
    for (const auto& r : records) {
      MAMORI_TRY(InsertNew(c, a, r, {{"import_id", import_id}}));
      out.ids.push_back(r.id);
    }
    audit::Event e = a.Event("asset.import", "asset-import:" + import_id);
    e.clause = env_.pack.Cite(env_.pack.classification.clause);
    e.detail = {{"rows", out.rows}, {"encoding", options.encoding}, {"sha256", options.sha256}};
    if (!options.file_name.empty()) e.detail["file_name"] = options.file_name;
    MAMORI_TRY(env_.log.Record(c, e));
    return out;
  };
  // A dry run reads only: nothing can be left behind.
  if (options.dry_run) return env_.db.Read(work);
  return env_.db.Write(work);
}

Result<storage::AssetRecord> AssetService::LoadVisible(storage::Connection& c, const Actor& a, const std::string& id) {
  MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
  return LoadVisibleIn(c, a, id, tree);
}

Result<storage::AssetRecord> AssetService::LoadVisibleIn(storage::Connection& c, const Actor& a, const std::string& id,
                                                         const OrgTree& tree) const {
  MAMORI_ASSIGN(auto r, storage::AssetRepo(c).Get(id));
  if (!r) return NotFound();
  MAMORI_ASSIGN(auto sight, SightOf(c, a, tree));
  if (!sight.Sees(*r)) return NotFound();
  MAMORI_TRY(OpenStored(*r));
  return *r;
}

Result<std::map<std::string, std::string>> AssetService::VisibleNames(storage::Connection& c, const Actor& a,
                                                                      const std::vector<std::string>& ids,
                                                                      const OrgTree& tree) const {
  std::map<std::string, std::string> out;
  if (ids.empty()) return out;
  MAMORI_ASSIGN(auto sight, SightOf(c, a, tree));
  MAMORI_ASSIGN(auto found, storage::AssetRepo(c).GetMany(ids));
  for (const auto& r : found) {
    if (!sight.Sees(r)) continue;
    MAMORI_ASSIGN(std::string name, env_.sealer->Open(r.name, FieldPlace("asset", r.id, "name")));
    out.emplace(r.id, std::move(name));
  }
  return out;
}

Result<storage::AssetRecord> AssetService::Get(const Actor& a, const std::string& id) {
  return env_.db.Read([&](storage::Connection& c) { return LoadVisible(c, a, id); });
}

Result<storage::AssetFilter> AssetService::FilterFor(storage::Connection& c, const Actor& a, const AssetQuery& q,
                                                     const OrgTree& tree) const {
  MAMORI_ASSIGN(auto sight, SightOf(c, a, tree));
  storage::AssetFilter f;
  sight.Restrict(f);
  f.owner_org_unit_id = q.owner_org_unit_id;
  f.min_confidentiality = q.min_confidentiality;
  f.state = q.state;
  f.kind = q.kind;
  f.q = q.q;
  return f;
}

Result<AssetList> AssetService::List(const Actor& a, const AssetQuery& q) {
  if (!access_.Has(a, perm::kAssetsRead)) return Error::Forbidden();
  return env_.db.Read([&](storage::Connection& c) -> Result<AssetList> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    MAMORI_ASSIGN(storage::AssetFilter f, FilterFor(c, a, q, tree));
    storage::AssetRepo repo(c);
    AssetList out;
    MAMORI_ASSIGN(out.items, repo.List(f, q.page));
    for (auto& r : out.items) MAMORI_TRY(OpenStored(r));
    MAMORI_ASSIGN(out.total, repo.Count(f));
    for (const auto& r : out.items)
      if (const auto* u = tree.Find(r.owner_org_unit_id)) out.unit_names[u->id] = u->name;
    return out;
  });
}

Result<AssetExport> AssetService::Export(const Actor& a, const AssetQuery& q) {
  if (!access_.Has(a, perm::kAssetsRead)) return Error::Forbidden();
  // Read first, then log in a short write: a large export does not hold the write lock while
  // it reads. Nothing is handed out unless the log entry committed.
  auto read = env_.db.Read([&](storage::Connection& c) -> Result<AssetExport> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    MAMORI_ASSIGN(storage::AssetFilter f, FilterFor(c, a, q, tree));
    storage::AssetRepo repo(c);
    MAMORI_ASSIGN(int64_t total, repo.Count(f));
    if (total > kAssetExportMaxRows)
      return Error::Validation("filter", "too_many_rows",
                               "出力できるのは " + std::to_string(kAssetExportMaxRows) + " 件までです（該当 " +
                                   std::to_string(total) + " 件）。所管課などで絞り込んでください");
    AssetExport out;
    MAMORI_ASSIGN(out.items, repo.List(f, {1, kAssetExportMaxRows}));
    for (auto& r : out.items) MAMORI_TRY(OpenStored(r));
    // The database ordered sealed names by their sealed text: the file is in name order.
    std::stable_sort(out.items.begin(), out.items.end(), [](const auto& x, const auto& y) {
      return std::tie(x.name, x.id) < std::tie(y.name, y.id);
    });
    storage::SystemRepo systems(c);
    for (const auto& r : out.items) {
      if (const auto* u = tree.Find(r.owner_org_unit_id)) out.units.emplace(u->id, *u);
      if (!r.system_id.empty() && !out.system_names.count(r.system_id)) {
        MAMORI_ASSIGN(auto sys, systems.Get(r.system_id));
        out.system_names[r.system_id] = sys ? sys->name : "";
      }
    }
    return out;
  });
  if (!read.ok()) return read;
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    audit::Event e = a.Event("asset.export", "assets");
    e.clause = env_.pack.Cite(env_.pack.classification.restricted_clause);
    e.detail = {{"rows", read->items.size()}};
    nlohmann::json filter = nlohmann::json::object();
    if (!q.owner_org_unit_id.empty()) filter["owner_org_unit_id"] = q.owner_org_unit_id;
    if (q.min_confidentiality > 0) filter["min_confidentiality"] = q.min_confidentiality;
    if (!q.state.empty()) filter["state"] = q.state;
    if (!q.kind.empty()) filter["kind"] = q.kind;
    if (!q.q.empty()) filter["q"] = q.q;
    e.detail["filter"] = filter;
    return env_.log.Record(c, e);
  }));
  return read;
}

Result<storage::AssetRecord> AssetService::Update(const Actor& a, const std::string& id, const AssetChanges& in) {
  return env_.db.Write([&](storage::Connection& c) -> Result<storage::AssetRecord> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    MAMORI_ASSIGN(storage::AssetRecord cur, LoadVisibleIn(c, a, id, tree));
    const UnitScope manage = access_.Units(a, perm::kAssetsManage, tree);
    if (!manage.Covers(cur.owner_org_unit_id)) return Error::Forbidden("この情報資産を変更する権限がありません");
    storage::AssetRecord next = cur;
    if (in.name) next.name = *in.name;
    if (in.kind) next.kind = *in.kind;
    if (in.owner_org_unit_id) next.owner_org_unit_id = *in.owner_org_unit_id;
    if (in.confidentiality) next.confidentiality = *in.confidentiality;
    if (in.integrity) next.integrity = *in.integrity;
    if (in.availability) next.availability = *in.availability;
    if (in.handling) next.handling = *in.handling;
    if (in.location) next.location = *in.location;
    if (in.system_id) next.system_id = *in.system_id;
    MAMORI_TRY(Validate(c, next, tree));
    if (in.version != cur.version) {
      Error e = Error::Conflict("情報資産は他の操作で更新されています（現在の版: " + std::to_string(cur.version) +
                                "）。最新の内容を読み直してください");
      e.fields.push_back({"version", "stale"});
      return e;
    }
    if (cur.state == "disposed") return Error::Conflict("廃棄済みの情報資産は変更できません");
    if (next.owner_org_unit_id != cur.owner_org_unit_id && !manage.Covers(next.owner_org_unit_id))
      return Error::Forbidden("移管先の所属の情報資産を管理する権限がありません");
    // Only what differs is written and logged, each as before and after.
    const nlohmann::json before = AssetDetail(cur), after = AssetDetail(next);
    nlohmann::json changes = nlohmann::json::object();
    for (const auto& [key, value] : after.items())
      if (before[key] != value) changes[key] = {{"from", before[key]}, {"to", value}};
    if (changes.empty()) return cur;
    // A sealed field's old and new values go into the log sealed, each as its record was.
    const bool sealed_before = Sealed(cur), sealed_after = Sealed(next);
    const policy::SealingRule* rule = env_.pack.sealing.Find("asset");
    for (auto& [key, change] : changes.items()) {
      if (!rule || std::find(rule->fields.begin(), rule->fields.end(), key) == rule->fields.end()) continue;
      if (sealed_before) {
        MAMORI_ASSIGN(change["from"], SealValue(next.id, key, change["from"]));
      }
      if (sealed_after) {
        MAMORI_ASSIGN(change["to"], SealValue(next.id, key, change["to"]));
      }
    }
    next.updated_at = env_.clock.NowMicros();
    MAMORI_ASSIGN(storage::AssetRecord stored, ToStored(next));
    MAMORI_TRY(storage::AssetRepo(c).Update(stored));
    next.version = cur.version + 1;
    audit::Event e = a.Event("asset.update", Target(next.id));
    e.clause = env_.pack.Cite(env_.pack.classification.clause);
    e.detail = {{"changes", changes}, {"version", next.version}};
    if (Label(cur) != Label(next)) e.detail["label"] = {{"from", Label(cur)}, {"to", Label(next)}};
    MAMORI_TRY(env_.log.Record(c, e));
    return next;
  });
}

Result<AssetHistory> AssetService::History(const Actor& a, const std::string& id, const storage::Page& page) {
  return env_.db.Read([&](storage::Connection& c) -> Result<AssetHistory> {
    MAMORI_TRY(LoadVisible(c, a, id));
    storage::LogFilter f;
    f.target = Target(id);
    storage::AuditRepo repo(c);
    AssetHistory out;
    MAMORI_ASSIGN(out.items, repo.List(f, page));
    // The reader may open this asset, so they may read its sealed history too.
    for (auto& entry : out.items) {
      nlohmann::json detail = nlohmann::json::parse(entry.detail, nullptr, /*allow_exceptions=*/false);
      if (!detail.is_object() || entry.detail.find("\\u001f") == std::string::npos) continue;
      MAMORI_TRY(OpenDetail(id, detail));
      entry.detail = detail.dump();
    }
    MAMORI_ASSIGN(out.total, repo.Count(f));
    return out;
  });
}

Result<std::map<std::string, std::string>> AssetService::UnitNames(const std::vector<std::string>& ids) {
  if (ids.empty()) return std::map<std::string, std::string>{};
  return env_.db.Read([&](storage::Connection& c) { return storage::OrgRepo(c).NamesOf(ids); });
}

Status AssetService::SetState(storage::Connection& c, const Actor& a, const std::string& asset_id,
                              const std::string& state, const std::string& request_id) {
  if (!OneOf(kAssetStates, state)) return Error::Validation("state", "not_allowed");
  MAMORI_ASSIGN(auto cur, storage::AssetRepo(c).Get(asset_id));
  if (!cur) return NotFound();
  // The stored record is written back as it is (its sealed fields stay sealed: the sealing
  // rule reads only the levels and kind, which do not change here); messages name it opened.
  storage::AssetRecord shown = *cur;
  MAMORI_TRY(OpenStored(shown));
  // in_use is the resting state; every other state is entered from it (disposal also from
  // provided), so two requests can never hold one asset out at once, and disposed is final.
  if (cur->state == "disposed") return Error::Conflict("廃棄済みの情報資産の状態は変更できません: " + shown.name);
  if (cur->state == state) {
    if (state == "in_use") return Ok();
    return Error::Conflict("この情報資産は既に「" + state + "」です: " + shown.name);
  }
  const bool allowed = state == "in_use" || cur->state == "in_use" || (state == "disposed" && cur->state == "provided");
  if (!allowed)
    return Error::Conflict("この情報資産は現在「" + cur->state + "」のため「" + state + "」にできません: " + shown.name);
  storage::AssetRecord next = *cur;
  next.state = state;
  next.updated_at = env_.clock.NowMicros();
  MAMORI_TRY(storage::AssetRepo(c).Update(next));
  audit::Event e = a.Event("asset.state", Target(asset_id));
  e.detail = {{"from", cur->state}, {"to", state}, {"request_id", request_id}, {"version", cur->version + 1}};
  return env_.log.Record(c, e);
}

}  // namespace mamori::domain

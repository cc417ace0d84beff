#include "domain/log_view.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "storage/request_repo.hpp"

namespace mamori::domain {
namespace {

const char* RefType(const std::string& key) {
  for (const auto& [k, type] : kLogDetailRefs)
    if (key == k) return type;
  return nullptr;
}

using Ref = std::pair<std::string, std::string>;  // (type, id)

// The objects a detail refers to, by the keys of kLogDetailRefs.
void CollectRefs(const nlohmann::json& node, const std::string& key, std::vector<Ref>& out) {
  if (node.is_string()) {
    const char* type = RefType(key);
    const auto& v = node.get_ref<const std::string&>();
    if (type && !v.empty()) out.emplace_back(type, v);
    return;
  }
  if (node.is_array()) {
    for (const auto& v : node) CollectRefs(v, key, out);
    return;
  }
  if (!node.is_object()) return;
  auto st = node.find("scope_type");
  auto sid = node.find("scope_id");
  if (st != node.end() && sid != node.end() && st->is_string() && sid->is_string() && !sid->get_ref<const std::string&>().empty()) {
    const std::string& type = st->get_ref<const std::string&>();
    if (type == "org_unit" || type == "system") out.emplace_back(type, sid->get<std::string>());
  }
  // {"changes": {"owner_org_unit_id": {"from": …, "to": …}}}: from and to keep the changed key.
  for (const auto& [k, v] : node.items()) CollectRefs(v, k == "from" || k == "to" ? key : k, out);
}

std::string HiddenLabel(const std::string& type, bool english) {
  if (type == "asset") return english ? "An asset you may not see" : "閲覧権限のない情報資産";
  if (type == "system") return english ? "A system you may not see" : "閲覧権限のない情報システム";
  if (type == "org_unit") return english ? "A unit you may not see" : "閲覧権限のない組織";
  return english ? "Not visible to you" : "閲覧権限のない対象";
}

std::string ShortId(const std::string& id) { return "#" + id.substr(0, 8); }

}  // namespace

Result<std::map<std::string, PersonSeen>> PeopleSeen(storage::Connection& c, const Access& access, const Actor& a,
                                                     const OrgTree& tree, const std::vector<std::string>& user_ids) {
  std::map<std::string, PersonSeen> people;
  if (user_ids.empty()) return people;
  MAMORI_ASSIGN(auto users, storage::UserRepo(c).GetMany(user_ids));
  const UnitScope user_sight = access.Units(a, perm::kUsersRead, tree);
  for (const auto& u : users)
    people[u.id] = {u.name, u.login_id, u.id == a.user_id || user_sight.Covers(u.org_unit_id)};
  return people;
}

namespace {
bool IsPerson(const std::string& actor) { return !actor.empty() && actor != "-" && actor != "system"; }
}  // namespace

Result<std::map<std::string, std::string>> ActorNames(storage::Connection& c, const Access& access, const Actor& a,
                                                      const OrgTree& tree,
                                                      const std::vector<storage::LogEntryRecord>& entries) {
  std::set<std::string> ids;
  for (const auto& e : entries)
    if (IsPerson(e.actor)) ids.insert(e.actor);
  MAMORI_ASSIGN(auto people, PeopleSeen(c, access, a, tree, {ids.begin(), ids.end()}));
  std::map<std::string, std::string> names;
  for (const auto& [id, p] : people)
    if (p.visible) names[id] = p.name;
  return names;
}

bool IsLogTargetType(const std::string& type) {
  return std::any_of(std::begin(kLogTargetTypes), std::end(kLogTargetTypes),
                     [&](const char* t) { return type == t; });
}

Result<std::vector<LogEntryView>> LogNames::Describe(storage::Connection& c, const Actor& a, const OrgTree& tree,
                                                     std::vector<storage::LogEntryRecord> entries,
                                                     bool english) const {
  std::vector<LogEntryView> out;
  out.reserve(entries.size());
  // Each entry's target and detail references, then every id of each kind, gathered once.
  std::vector<std::vector<Ref>> refs_of(entries.size());
  std::map<std::string, std::set<std::string>> ids;
  for (size_t i = 0; i < entries.size(); ++i) {
    LogEntryView v;
    v.entry = std::move(entries[i]);
    if (IsPerson(v.entry.actor)) ids["user"].insert(v.entry.actor);
    if (auto colon = v.entry.target.find(':'); colon != std::string::npos) {
      v.target_type = v.entry.target.substr(0, colon);
      v.target_id = v.entry.target.substr(colon + 1);
      ids[v.target_type].insert(v.target_id);
    }
    const nlohmann::json detail = nlohmann::json::parse(v.entry.detail, nullptr, false);
    if (!detail.is_discarded()) CollectRefs(detail, "", refs_of[i]);
    for (const auto& [type, id] : refs_of[i]) ids[type].insert(id);
    out.push_back(std::move(v));
  }
  auto list = [&](const char* type) {
    const auto& s = ids[type];
    return std::vector<std::string>(s.begin(), s.end());
  };

  // One query per kind of object; each kind by the rule of its own page.
  MAMORI_ASSIGN(auto asset_names, assets_.VisibleNames(c, a, list("asset"), tree));
  // A register's records (the system ledger's among them) by their object kind: "system:<id>".
  std::map<std::string, std::map<std::string, std::string>> record_names;
  for (const auto& r : env_.pack.registers) {
    if (ids.find(r.object) == ids.end()) continue;
    MAMORI_ASSIGN(record_names[r.object], registers_.VisibleTitles(c, a, r, list(r.object.c_str()), tree));
  }
  MAMORI_ASSIGN(auto request_types, storage::RequestRepo(c).TypesOf(list("request")));
  MAMORI_ASSIGN(auto people, PeopleSeen(c, access_, a, tree, list("user")));
  const bool sees_units = access_.Has(a, perm::kOrgRead);

  // The label of an object, nullopt when the reader may not see it.
  auto label = [&](const std::string& type, const std::string& id) -> std::optional<std::string> {
    if (type == "asset") {
      auto it = asset_names.find(id);
      return it == asset_names.end() ? std::nullopt : std::optional(it->second);
    }
    if (auto reg = record_names.find(type); reg != record_names.end()) {
      auto it = reg->second.find(id);
      return it == reg->second.end() ? std::nullopt : std::optional(it->second);
    }
    if (type == "org_unit") {
      const storage::OrgUnitRecord* u = tree.Find(id);
      if (!sees_units || !u) return std::nullopt;
      return u->name;
    }
    if (type == "user") {
      auto it = people.find(id);
      if (it == people.end()) return id;
      if (!it->second.visible) return it->second.login;  // the log shows login IDs anyway
      return it->second.name + (english ? " (" : "（") + it->second.login + (english ? ")" : "）");
    }
    if (type == "request") {
      auto it = request_types.find(id);
      const policy::RequestType* t = it == request_types.end() ? nullptr : env_.pack.FindRequestType(it->second);
      std::string title = t ? (english && !t->title_en.empty() ? t->title_en : t->title)
                            : (it != request_types.end() ? it->second : (english ? "Request" : "申請"));
      return title + (english ? " (" : "（") + ShortId(id) + (english ? ")" : "）");
    }
    if (type == "request_type") {
      const policy::RequestType* t = env_.pack.FindRequestType(id);
      if (!t) return id;
      return english && !t->title_en.empty() ? t->title_en : t->title;
    }
    if (type == "session") return (english ? "Session " : "セッション ") + id;
    if (type == "asset-import") return (english ? "Import " : "台帳の取り込み ") + ShortId(id);
    return id;
  };

  for (size_t i = 0; i < out.size(); ++i) {
    LogEntryView& v = out[i];
    if (auto p = people.find(v.entry.actor); p != people.end() && p->second.visible) v.actor_name = p->second.name;
    if (!v.target_type.empty()) {
      auto l = label(v.target_type, v.target_id);
      v.target_hidden = !l.has_value();
      v.target_label = l ? *l : HiddenLabel(v.target_type, english);
      // An asset's entries carry its name, location and handling: withheld with its name.
      if (v.target_hidden && v.target_type == "asset") {
        v.detail_withheld = true;
        v.entry.detail.clear();
        continue;
      }
      // A reader who may open the asset reads its sealed values opened (docs/sealing.md).
      if (v.target_type == "asset" && v.entry.detail.find("\\u001f") != std::string::npos) {
        nlohmann::json d = nlohmann::json::parse(v.entry.detail, nullptr, /*allow_exceptions=*/false);
        if (d.is_object()) {
          MAMORI_TRY(assets_.OpenDetail(v.target_id, d));
          v.entry.detail = d.dump();
        }
      }
    }
    for (const auto& [type, id] : refs_of[i]) v.refs[type + ":" + id] = label(type, id);
  }
  return out;
}

}  // namespace mamori::domain

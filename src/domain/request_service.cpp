#include "domain/request_service.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "domain/auth_service.hpp"
#include "domain/holders.hpp"

#include "common/json_input.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {
namespace {

std::string Dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

nlohmann::json Parse(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

bool Evaluates(const policy::Expr& e, const policy::Context& ctx) {
  if (e.empty()) return false;
  auto r = e.Evaluate(ctx);
  return r.ok() && *r;
}

// A deny rule's refusal: bad input named by its field (422), or the standard's plain no (403).
Error Refusal(const policy::DenyRule& rule, const policy::PolicyPack& pack) {
  Error e = rule.field.empty() ? Error{ErrorCode::kPolicyDenied, rule.message, {}, {}}
                               : Error::Validation(rule.field, "policy_rule", rule.message);
  e.clause = pack.Cite(rule.clause);
  e.detail_en = rule.message_en;
  return e;
}

bool Decided(const std::string& state) {
  return state == "approved" || state == "completed" || state == "expired";
}

}  // namespace

std::vector<ApprovalStep> ApprovalChain(const storage::RequestRecord& r) {
  std::vector<ApprovalStep> out;
  const nlohmann::json chain = nlohmann::json::parse(r.approver_chain, nullptr, false);
  if (chain.is_array())
    for (const auto& s : chain)
      if (s.is_object())
        out.push_back({.role = s.value("role", ""), .scope_type = s.value("scope_type", ""),
                       .scope_id = s.value("scope_id", ""), .scope_name = "", .status = "pending", .by = ""});
  // A request filed before chains were stored (migration 10) has its one approver.
  if (out.empty())
    out.push_back({.role = r.approver_role, .scope_type = r.approver_scope_type, .scope_id = r.approver_scope_id,
                   .scope_name = "", .status = "pending", .by = ""});
  for (size_t i = 0; i < out.size(); ++i) {
    if (i < r.step_actors.size()) {
      out[i].status = "approved";
      out[i].by = r.step_actors[i];
    } else if (i + 1 == out.size() && r.step_actors.empty() && Decided(r.state) && !r.decided_by.empty()) {
      out[i].status = "approved";  // decided before migration 10 recorded the steps
      out[i].by = r.decided_by;
    } else if (i == r.step_actors.size() && (r.state == "submitted" || r.state == "reported")) {
      out[i].status = "due";
    } else if (i == r.step_actors.size() && r.state == "rejected") {
      out[i].status = "rejected";
      out[i].by = r.decided_by;
    }
  }
  return out;
}

Status RequestService::RequireApprover(storage::Connection& c, const storage::RequestRecord& r, const OrgTree& tree) {
  MAMORI_ASSIGN(auto holders, HolderIndex::Load(c, env_));
  // Every step of the chain needs someone (a chain of one: its approver).
  const ApprovalStep* vacant = nullptr;
  const auto steps = ApprovalChain(r);
  for (const auto& step : steps)
    if (!vacant && !holders.Held(step.role, step.scope_type, step.scope_id, tree, {})) vacant = &step;
  if (!vacant) return Ok();
  const policy::RoleDef* role = env_.pack.FindRole(vacant->role);
  std::string scope = "市全体";
  if (vacant->scope_type == "org_unit") {
    const auto* unit = tree.Find(vacant->scope_id);
    scope = unit ? unit->name : vacant->scope_id;
  } else if (vacant->scope_type == "system") {
    MAMORI_ASSIGN(auto sys, storage::SystemRepo(c).Get(vacant->scope_id));
    scope = sys ? sys->name : vacant->scope_id;
  }
  Error e = Error::Conflict("承認者がいません: 役割「" + (role ? role->title : vacant->role) + "」（" +
                            vacant->role + "）を範囲「" + scope + "」（" + vacant->scope_type +
                            (vacant->scope_id.empty() ? "" : ":" + vacant->scope_id) +
                            "）で持つ者（代行を含む）がいません");
  e.clause = env_.pack.CiteFor("approver_vacant");
  e.fields.push_back({"approver", "vacant"});
  return e;
}

// notify (issue 9): the notice of a request's step — `request_submitted` to the approvers it now
// waits for, `request_decided` to the requester — in the step's transaction.
Status RequestService::NotifyStep(storage::Connection& c, const Actor& a, const storage::RequestRecord& r,
                                  const policy::RequestType& t, const OrgTree& tree, const std::string& action) {
  MAMORI_ASSIGN(auto actor, storage::UserRepo(c).Get(a.user_id));
  Notice n{.template_id = action == "submit" ? "request_submitted" : "request_decided",
           .vars = {{"register.title", t.title},
                    {"register.title@en", t.title_en.empty() ? t.title : t.title_en},
                    {"record.id", r.id},
                    {"record.type", r.type},
                    {"record.note", r.decision_note},
                    {"actor.name", actor ? actor->name : a.login_id}},
           .link = "/requests/" + r.id,
           .target = "request:" + r.id};
  if (action == "submit" || action == "next") {
    // The holders of the step that is due, but never the requester nor who took a step before.
    n.template_id = "request_submitted";
    std::set<std::string> excluded(r.step_actors.begin(), r.step_actors.end());
    excluded.insert(r.requester_id);
    MAMORI_ASSIGN(auto holders, HolderIndex::Load(c, env_));
    n.user_ids = holders.Users(r.approver_role, r.approver_scope_type, r.approver_scope_id, tree, excluded);
  } else {
    const bool approved = r.state == "approved";
    n.vars["state.label"] = approved ? "承認" : "却下";
    n.vars["state.label@en"] = approved ? "approved" : "rejected";
    n.user_ids = {r.requester_id};
  }
  return notifier_.Send(c, n);
}

Result<std::vector<ApproverVacancy>> RequestService::Vacancies(const Actor& a) {
  if (!access_.Has(a, perm::kUsersManage) && !access_.Has(a, perm::kRolesManage)) return Error::Forbidden();
  return env_.db.Read([&](storage::Connection& c) -> Result<std::vector<ApproverVacancy>> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    MAMORI_ASSIGN(auto holders, HolderIndex::Load(c, env_));
    MAMORI_ASSIGN(auto units, storage::OrgRepo(c).UnitsInUse());
    std::sort(units.begin(), units.end());
    units.erase(std::unique(units.begin(), units.end()), units.end());
    std::map<std::tuple<std::string, std::string, std::string>, ApproverVacancy> found;
    auto check = [&](const policy::RequestType& t, const std::string& role, const std::string& scope_type,
                     const std::string& scope_id) {
      if (holders.Held(role, scope_type, scope_id, tree, {})) return;
      auto& v = found[{role, scope_type, scope_id}];
      v.role = role;
      v.scope_type = scope_type;
      v.scope_id = scope_id;
      if (std::find(v.request_types.begin(), v.request_types.end(), t.id) == v.request_types.end())
        v.request_types.push_back(t.id);
    };
    // Every step of every chain. A step over a system is checked when a request names the
    // system (RequireApprover), not here.
    for (const auto& t : env_.pack.request_types) {
      for (const auto& step : t.approvers) {
        if (step.scope == "city") {
          check(t, step.role, "city", "");
        } else if (step.scope != "system") {
          for (const auto& unit : units)
            if (tree.Contains(unit)) check(t, step.role, "org_unit", unit);
        }
      }
    }
    std::vector<ApproverVacancy> out;
    for (auto& [_, v] : found) out.push_back(std::move(v));
    return out;
  });
}

Status ValidateForm(const std::vector<policy::FieldDef>& form, const nlohmann::json& in, const std::string& prefix,
                    policy::Context* ctx) {
  JsonInput input(in.is_object() ? in : nlohmann::json::object(), prefix + ".");
  if (!in.is_object()) input.AddError(prefix, "wrong_type");
  for (const auto& f : form) {
    const char* id = f.id.c_str();
    policy::Value v;
    switch (f.type) {
      case policy::FieldType::kText:
      case policy::FieldType::kLongText: {
        auto s = input.String(id, f.required, {f.required ? 1u : 0u, static_cast<size_t>(f.max_length),
                                               f.type == policy::FieldType::kLongText});
        if (s) v = *s;
        break;
      }
      case policy::FieldType::kDate: {
        auto s = input.Date(id, f.required);
        if (s) v = *s;
        break;
      }
      case policy::FieldType::kInt: {
        auto n = input.Int(id, f.required, f.min, f.max);
        if (n) v = *n;
        break;
      }
      case policy::FieldType::kBool: {
        auto b = input.Bool(id, f.required);
        if (b) v = *b;
        break;
      }
      case policy::FieldType::kSystem: {
        // An id of the ledger; RequestService::Check looks it up.
        auto s = input.String(id, f.required, {f.required ? 1u : 0u, 64});
        if (s && !s->empty()) v = *s;
        break;
      }
      case policy::FieldType::kChoice: {
        auto s = input.String(id, f.required, {0, 100});
        if (s && std::find(f.choices.begin(), f.choices.end(), *s) == f.choices.end()) {
          input.AddError(prefix + "." + f.id, "not_allowed");
          s.reset();
        }
        if (s) v = *s;
        break;
      }
    }
    if (ctx && !v.is_null()) ctx->Set(prefix + "." + f.id, v);
  }
  std::vector<const char*> known;
  for (const auto& f : form) known.push_back(f.id.c_str());
  for (const auto& [key, _] : input.Raw().items()) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      const bool clean = CheckString(key, StringRule{1, 64, false}).empty();
      input.AddError(prefix + "." + (clean ? key : std::string("(invalid)")), "unknown_field");
    }
  }
  return input.Finish();
}

bool RequestService::HoldsDueStep(const Actor& a, const storage::RequestRecord& r, const OrgTree& tree) const {
  return std::any_of(a.roles.begin(), a.roles.end(), [&](const storage::RoleAssignmentRecord& ra) {
    return Covers(ra, r.approver_role, r.approver_scope_type, r.approver_scope_id, tree);
  });
}

bool RequestService::CanApprove(const Actor& a, const storage::RequestRecord& r, const OrgTree& tree) const {
  return policy::MayTakeStep(ApprovalChain(r).size(), r.step, r.step_actors, a.user_id) && HoldsDueStep(a, r, tree);
}

bool RequestService::IsApprover(const Actor& a, const storage::RequestRecord& r, const OrgTree& tree) const {
  if (std::find(r.step_actors.begin(), r.step_actors.end(), a.user_id) != r.step_actors.end()) return true;
  for (const auto& step : ApprovalChain(r))
    for (const auto& ra : a.roles)
      if (Covers(ra, step.role, step.scope_type, step.scope_id, tree)) return true;
  return false;
}

Result<nlohmann::json> RequestService::OpenedForm(const std::string& id, std::string text) const {
  MAMORI_TRY(OpenFieldsText(*env_.sealer, "request", id, text));
  return Parse(text);
}

Result<RequestView> RequestService::ViewOf(storage::Connection& c, const Actor& a, storage::RequestRecord r,
                                           const OrgTree& tree) const {
  // The personal data fields the pack seals are opened for whoever may see the request.
  MAMORI_TRY(OpenFieldsText(*env_.sealer, "request", r.id, r.fields));
  MAMORI_TRY(OpenFieldsText(*env_.sealer, "request", r.id, r.completion));
  RequestView v;
  const bool mine = r.requester_id == a.user_id;
  const policy::RequestType* t = env_.pack.FindRequestType(r.type);
  // The type's transition table says what the state allows; the parties are the requester and
  // the approver (never the requester).
  auto allows = [&](const char* action) { return t && policy::Allows(*t, action, r.state); };
  v.can_approve = !mine && allows("approve") && CanApprove(a, r, tree);
  v.can_withdraw = mine && allows("withdraw");
  v.can_submit = mine && allows("submit");
  v.can_complete = mine && allows("complete");
  v.can_report = mine && allows("report");
  v.chain = ApprovalChain(r);
  for (auto& step : v.chain) {
    if (step.scope_type == "org_unit") {
      if (const auto* unit = tree.Find(step.scope_id)) step.scope_name = unit->name;
    } else if (step.scope_type == "system" && !step.scope_id.empty()) {
      MAMORI_ASSIGN(auto sys, storage::SystemRepo(c).Get(step.scope_id));
      if (sys) step.scope_name = sys->name;
    }
  }
  v.request = std::move(r);
  return v;
}

Result<storage::UserRecord> RequestService::PutRequester(storage::Connection& c, const Actor& a,
                                                          policy::Context& ctx) const {
  MAMORI_ASSIGN(auto requester, storage::UserRepo(c).Get(a.user_id));
  if (!requester) return Error::Forbidden();
  ctx.Set("requester.employment_type", requester->employment_type);
  ctx.Set("requester.org_unit_id", requester->org_unit_id);
  policy::Value::List roles;
  for (const auto& ra : a.roles) roles.emplace_back(ra.role);
  ctx.Set("requester.roles", policy::Value(std::move(roles)));
  return *requester;
}

Status RequestService::Deny(storage::Connection& c, const policy::RequestType& t, const std::string& at,
                            const policy::Context& ctx, const std::vector<storage::AssetRecord>& assets) const {
  // Each rule is checked once per asset (and once without one when there is none).
  for (const auto& asset : assets) {
    std::optional<storage::SystemRecord> sys;
    if (!asset.system_id.empty()) {
      MAMORI_ASSIGN(sys, storage::SystemRepo(c).Get(asset.system_id));
    }
    policy::Context actx = ctx;
    PutAssetValues(actx, asset, sys ? &*sys : nullptr);
    for (const auto& rule : t.deny)
      if (rule.at == at && Evaluates(rule.when, actx)) return Refusal(rule, env_.pack);
  }
  if (assets.empty())
    for (const auto& rule : t.deny)
      if (rule.at == at && Evaluates(rule.when, ctx)) return Refusal(rule, env_.pack);
  return Ok();
}

Status RequestService::Check(storage::Connection& c, const Actor& a, const policy::RequestType& t,
                             storage::RequestRecord& r, const nlohmann::json& fields) {
  policy::Context ctx;
  MAMORI_ASSIGN(auto requester, PutRequester(c, a, ctx));
  // Who may ask at all comes before the form (kobe:9.5.1 names who files an exception).
  if (!t.filed_by.when.empty() && !Evaluates(t.filed_by.when, ctx))
    return Error{.code = ErrorCode::kPolicyDenied,
                 .detail = t.filed_by.message,
                 .clause = env_.pack.Cite(t.filed_by.clause),
                 .fields = {},
                 .detail_en = t.filed_by.message_en};
  MAMORI_TRY(ValidateForm(t.fields, fields, "fields", &ctx));
  // A system field names a system of the ledger.
  for (const auto& f : t.fields) {
    if (f.type != policy::FieldType::kSystem || !fields.contains(f.id) || !fields[f.id].is_string() ||
        fields[f.id].get<std::string>().empty())
      continue;
    MAMORI_ASSIGN(auto sys, storage::SystemRepo(c).Get(fields[f.id].get<std::string>()));
    if (!sys) return Error::Validation("fields." + f.id, "not_found", "情報システムが見つかりません");
  }
  r.requester_org_unit_id = requester.org_unit_id;

  // Each asset: visible to the requester, not disposed, free when the type takes it out.
  std::vector<storage::AssetRecord> assets;
  for (const auto& id : r.asset_ids) {
    auto asset = assets_.LoadVisible(c, a, id);
    if (!asset.ok()) return Error::Validation("asset_ids", "not_found", "情報資産が見つかりません: " + id);
    if (asset->state == "disposed") return Error::Conflict("廃棄済みの情報資産です: " + asset->name);
    if (!t.state_in_effect.empty() && asset->state != "in_use")
      return Error::Conflict("この情報資産は現在使用中ではない（" + asset->state + "）ため申請できません: " + asset->name);
    assets.push_back(std::move(asset).value());
  }
  bool applies = t.applies_when.empty() || assets.empty();
  for (const auto& asset : assets) {
    if (applies) break;
    std::optional<storage::SystemRecord> sys;
    if (!asset.system_id.empty()) {
      MAMORI_ASSIGN(sys, storage::SystemRepo(c).Get(asset.system_id));
    }
    policy::Context actx = ctx;
    PutAssetValues(actx, asset, sys ? &*sys : nullptr);
    applies = Evaluates(t.applies_when, actx);
  }
  MAMORI_TRY(Deny(c, t, "request", ctx, assets));
  if (!applies) {
    Error e = Error::Validation("asset_ids", "not_required",
                                "この情報資産の分類ではこの申請は不要です（" + env_.pack.Cite(t.clause) + "）");
    e.clause = env_.pack.Cite(t.clause);
    return e;
  }

  // The approvers: each step a role over a scope the pack names.
  MAMORI_TRY(ResolveChain(t, r, fields, requester.org_unit_id, assets));
  r.fields = Dump(fields);
  MAMORI_TRY(SealFieldsText(*env_.sealer, env_.pack, "request", r.id, r.fields));
  if (!t.expires_field.empty() && fields.contains(t.expires_field) && fields[t.expires_field].is_string())
    r.expires_on = fields[t.expires_field].get<std::string>();
  return Ok();
}

Status RequestService::ResolveChain(const policy::RequestType& t, storage::RequestRecord& r,
                                    const nlohmann::json& fields, const std::string& requester_unit,
                                    const std::vector<storage::AssetRecord>& assets) const {
  // The request's system: its form's system field, or else the one system its assets share.
  std::string system_id;
  if (!t.system_field.empty() && fields.contains(t.system_field) && fields[t.system_field].is_string())
    system_id = fields[t.system_field].get<std::string>();
  nlohmann::json chain = nlohmann::json::array();
  for (const auto& step : t.approvers) {
    std::string scope_type = "org_unit", scope_id;
    if (step.scope == "city") {
      scope_type = "city";
    } else if (step.scope == "requester_unit") {
      scope_id = requester_unit;
    } else if (step.scope == "system") {
      if (system_id.empty() && t.system_field.empty()) {
        for (const auto& asset : assets) {
          if (asset.system_id.empty() || (!system_id.empty() && asset.system_id != system_id))
            return Error::Validation("asset_ids", "mixed_systems",
                                     "承認者を決めるため、同じ情報システムの情報資産を指定してください");
          system_id = asset.system_id;
        }
      }
      if (system_id.empty()) {
        const std::string field = t.system_field.empty() ? "asset_ids" : "fields." + t.system_field;
        return Error::Validation(field, "required", "承認者を決めるため情報システムを指定してください");
      }
      scope_type = "system";
      scope_id = system_id;
    } else {
      if (assets.empty()) return Error::Validation("asset_ids", "required", "承認者を決めるため情報資産を指定してください");
      scope_id = assets.front().owner_org_unit_id;
      for (const auto& asset : assets)
        if (asset.owner_org_unit_id != scope_id)
          return Error::Validation("asset_ids", "mixed_owners", "所管課の異なる情報資産は別々に申請してください");
    }
    chain.push_back({{"role", step.role}, {"scope_type", scope_type}, {"scope_id", scope_id}});
  }
  if (chain.empty()) return Error::Internal("request type " + t.id + " has no approver");
  r.approver_chain = Dump(chain);
  r.step = 0;
  r.step_actors.clear();
  r.approver_role = chain[0]["role"].get<std::string>();
  r.approver_scope_type = chain[0]["scope_type"].get<std::string>();
  r.approver_scope_id = chain[0]["scope_id"].get<std::string>();
  return Ok();
}

Result<RequestView> RequestService::Create(const Actor& a, const NewRequest& in) {
  if (!access_.Has(a, perm::kRequestsCreate)) return Error::Forbidden();
  const policy::RequestType* t = env_.pack.FindRequestType(in.type);
  if (!t) return Error::Validation("type", "unknown_type", "ポリシーに定義されていない申請種別です");
  // Grants and resets start from the user's page, where their own permission is checked.
  if (!t->effect.empty())
    return Error::Validation("type", "not_allowed", "この申請種別は利用者・役割の画面から行います");
  if (t->assets == "required" && in.asset_ids.empty()) return Error::Validation("asset_ids", "required");
  if (t->assets == "none" && !in.asset_ids.empty()) return Error::Validation("asset_ids", "not_allowed");
  if (static_cast<int>(in.asset_ids.size()) > t->max_assets) return Error::Validation("asset_ids", "too_many_items");
  for (size_t i = 0; i < in.asset_ids.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (in.asset_ids[i] == in.asset_ids[j]) return Error::Validation("asset_ids", "duplicate");
  return env_.db.Write([&](storage::Connection& c) { return CreateIn(c, a, in); });
}

Result<RequestView> RequestService::CreateIn(storage::Connection& c, const Actor& a, const NewRequest& in) {
  const policy::RequestType* t = env_.pack.FindRequestType(in.type);
  if (!t) return Error::Validation("type", "unknown_type", "ポリシーに定義されていない申請種別です");
  {
    storage::RequestRecord r;
    r.id = NewId();
    r.type = t->id;
    r.requester_id = a.user_id;
    r.asset_ids = in.asset_ids;
    r.completion = "{}";
    r.clause = env_.pack.Cite(t->clause);
    MAMORI_TRY(Check(c, a, *t, r, in.fields));
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (!in.draft) MAMORI_TRY(RequireApprover(c, r, tree));
    const int64_t now = env_.clock.NowMicros();
    r.created_at = r.updated_at = now;
    if (in.draft) {
      r.state = "draft";
    } else if (t->report_after) {
      // Emergency: executed first, reported within the pack's deadline (kobe:9.5.2).
      r.state = "executed";
      r.report_due_at = now + t->report_within_hours * kMicrosPerHour;
    } else {
      r.state = "submitted";
    }
    MAMORI_TRY(storage::RequestRepo(c).Insert(r));
    audit::Event e = a.Event("request.create", "request:" + r.id);
    e.clause = r.clause;
    e.detail = {{"type", r.type}, {"state", r.state}, {"asset_ids", r.asset_ids},
                {"approver", {{"role", r.approver_role}, {"scope_type", r.approver_scope_type},
                              {"scope_id", r.approver_scope_id}}}};
    if (t->approvers.size() > 1) e.detail["approvers"] = Parse(r.approver_chain);
    MAMORI_TRY(env_.log.Record(c, e));
    if (!in.draft) MAMORI_TRY(NotifyStep(c, a, r, *t, tree, "submit"));
    return ViewOf(c, a, std::move(r), tree);
  }
}

Result<RequestView> RequestService::Transition(
    const Actor& a, const std::string& id, const std::string& action,
    const std::function<Status(storage::Connection&, storage::RequestRecord&, const policy::RequestType&,
                               const OrgTree&)>& step,
    const std::string& note) {
  return env_.db.Write([&](storage::Connection& c) -> Result<RequestView> {
    storage::RequestRepo repo(c);
    MAMORI_ASSIGN(auto found, repo.Get(id));
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (!found) return Error::NotFound("申請");
    storage::RequestRecord r = *found;
    const policy::RequestType* t = env_.pack.FindRequestType(r.type);
    if (!t) return Error::Conflict("この申請種別は現在のポリシーにありません");
    // Someone who may not even see the request learns nothing about it.
    const UnitScope readers = access_.Units(a, perm::kRequestsRead, tree);
    if (r.requester_id != a.user_id && !IsApprover(a, r, tree) && !readers.Covers(r.requester_org_unit_id))
      return Error::NotFound("申請");
    const std::string from = r.state;
    const int64_t from_step = r.step;
    MAMORI_TRY(step(c, r, *t, tree));
    r.updated_at = env_.clock.NowMicros();
    r.version += 1;
    MAMORI_TRY(repo.Update(r));
    audit::Event e = a.Event("request." + action, "request:" + r.id);
    e.clause = r.clause;
    e.detail = {{"type", r.type}, {"from", from}, {"to", r.state}, {"asset_ids", r.asset_ids}};
    if (action == "approve" || action == "reject") {
      const std::string& logged = note.empty() ? r.decision_note : note;
      if (!logged.empty()) e.detail["note"] = logged;
    }
    // A chain's approval or rejection names the step it was taken at (1-based) and how many there are.
    if (const size_t steps = ApprovalChain(r).size(); steps > 1 && (action == "approve" || action == "reject")) {
      e.detail["step"] = from_step + 1;
      e.detail["steps"] = steps;
    }
    MAMORI_TRY(env_.log.Record(c, e));
    return ViewOf(c, a, std::move(r), tree);
  });
}

namespace {

Error WrongState(const std::string& state) {
  return Error::Conflict("この申請は現在「" + state + "」のため、その操作はできません");
}

}  // namespace

Result<RequestView> RequestService::Submit(const Actor& a, const std::string& id) {
  return Transition(a, id, "submit", [&](storage::Connection& c, storage::RequestRecord& r,
                                         const policy::RequestType& t, const OrgTree&) -> Status {
    if (r.requester_id != a.user_id) return Error::Forbidden("申請者だけが提出できます");
    if (!policy::Allows(t, "submit", r.state)) return WrongState(r.state);
    // Rules are checked again: the asset or the policy may have changed since the draft.
    MAMORI_ASSIGN(nlohmann::json fields, OpenedForm(r.id, r.fields));
    MAMORI_TRY(Check(c, a, t, r, fields));
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    MAMORI_TRY(RequireApprover(c, r, tree));
    r.state = t.workflow->FindTransition("submit")->to;
    if (t.report_after) r.report_due_at = env_.clock.NowMicros() + t.report_within_hours * kMicrosPerHour;
    return NotifyStep(c, a, r, t, tree, "submit");
  });
}

Result<RequestView> RequestService::Approve(const Actor& a, const std::string& id, const std::string& note) {
  return Transition(a, id, "approve", [&](storage::Connection& c, storage::RequestRecord& r,
                                          const policy::RequestType& t, const OrgTree& tree) -> Status {
    // Whoever asked may never be the one who permits (kobe:3.2.10ア), whatever roles they hold.
    if (r.requester_id == a.user_id)
      return Error{ErrorCode::kSeparationOfDuties, "自分の申請を承認することはできません", env_.pack.CiteFor("requester_approver"), {}};
    if (!HoldsDueStep(a, r, tree))
      return Error::Forbidden("この申請を承認できるのは所定の承認者です（" + r.approver_role + "）", r.clause);
    if (!policy::Allows(t, "approve", r.state)) return WrongState(r.state);
    // One person never takes two steps of a chain: each permission is a different person's (kobe:8.1.4).
    if (!CanApprove(a, r, tree))
      return Error{ErrorCode::kSeparationOfDuties, "同じ人が承認の二つの段階を行うことはできません", r.clause, {}};
    if (!t.effect.empty()) {
      // The person a grant or a reset is for never decides it either (kobe:3.2.10ア).
      MAMORI_ASSIGN(const nlohmann::json fields, OpenedForm(r.id, r.fields));
      if (fields.contains("user_id") && fields["user_id"] == a.user_id)
        return Error{ErrorCode::kSeparationOfDuties, "自分を対象とする申請は承認できません",
                     env_.pack.CiteFor("requester_approver"), {}};
    }
    const auto steps = ApprovalChain(r);
    if (!policy::TakeStep(steps.size(), r.step, r.step_actors, a.user_id)) {
      // A step of the chain: the request waits, in its state, for the next step's approver.
      const ApprovalStep& next = steps[static_cast<size_t>(r.step)];
      r.approver_role = next.role;
      r.approver_scope_type = next.scope_type;
      r.approver_scope_id = next.scope_id;
      return NotifyStep(c, a, r, t, tree, "next");  // the step's note is in its log entry
    }
    const int64_t now = env_.clock.NowMicros();
    r.state = "approved";
    r.decided_by = a.user_id;
    r.decided_at = now;
    r.decision_note = note;
    if (!t.report_after && !t.state_in_effect.empty())
      for (const auto& asset : r.asset_ids) MAMORI_TRY(assets_.SetState(c, a, asset, t.state_in_effect, r.id));
    if (!t.effect.empty()) {
      MAMORI_ASSIGN(const nlohmann::json fields, OpenedForm(r.id, r.fields));
      auto fn = effects_.find(t.effect);
      if (fn == effects_.end()) return Error::Internal("no handler for request effect " + t.effect);
      MAMORI_TRY(fn->second(c, a, r, fields));
    }
    return NotifyStep(c, a, r, t, tree, "approve");
  }, note);
}

Result<RequestView> RequestService::Reject(const Actor& a, const std::string& id, const std::string& note) {
  return Transition(a, id, "reject", [&](storage::Connection& c, storage::RequestRecord& r, const policy::RequestType& t,
                                         const OrgTree& tree) -> Status {
    if (r.requester_id == a.user_id)
      return Error{ErrorCode::kSeparationOfDuties, "自分の申請を決裁することはできません", env_.pack.CiteFor("requester_approver"), {}};
    if (!HoldsDueStep(a, r, tree)) return Error::Forbidden("この申請を却下できるのは所定の承認者です", r.clause);
    if (!policy::Allows(t, "reject", r.state)) return WrongState(r.state);
    if (!CanApprove(a, r, tree))
      return Error{ErrorCode::kSeparationOfDuties, "承認した段階の後で同じ人が決裁することはできません", r.clause, {}};
    if (note.empty()) return Error::Validation("note", "required", "却下の理由を入力してください");
    r.state = "rejected";
    r.decided_by = a.user_id;
    r.decided_at = env_.clock.NowMicros();
    r.decision_note = note;
    return NotifyStep(c, a, r, t, tree, "reject");
  });
}

Result<RequestView> RequestService::Withdraw(const Actor& a, const std::string& id) {
  return Transition(a, id, "withdraw", [&](storage::Connection&, storage::RequestRecord& r,
                                           const policy::RequestType& t, const OrgTree&) -> Status {
    if (r.requester_id != a.user_id) return Error::Forbidden("申請者だけが取り下げられます");
    if (!policy::Allows(t, "withdraw", r.state)) return WrongState(r.state);
    r.state = "withdrawn";
    return Ok();
  });
}

Result<RequestView> RequestService::Complete(const Actor& a, const std::string& id, const nlohmann::json& completion) {
  return Transition(a, id, "complete", [&](storage::Connection& c, storage::RequestRecord& r,
                                           const policy::RequestType& t, const OrgTree&) -> Status {
    if (r.requester_id != a.user_id) return Error::Forbidden("申請者だけが完了を記録できます");
    if (!policy::Allows(t, "complete", r.state)) return WrongState(r.state);
    // The completion rules see the request's form, its assets as they are now, who asked and
    // what the completion records (a return dated before the take-out is refused).
    policy::Context ctx;
    MAMORI_ASSIGN(auto requester, PutRequester(c, a, ctx));
    (void)requester;
    MAMORI_ASSIGN(const nlohmann::json form, OpenedForm(r.id, r.fields));
    (void)ValidateForm(t.fields, form, "fields", &ctx);  // checked when it was filed
    MAMORI_TRY(ValidateForm(t.completion, completion, "completion", &ctx));
    std::vector<storage::AssetRecord> assets;
    for (const auto& asset_id : r.asset_ids) {
      auto asset = assets_.LoadVisible(c, a, asset_id);
      if (asset.ok()) assets.push_back(std::move(asset).value());
    }
    MAMORI_TRY(Deny(c, t, "completion", ctx, assets));
    r.completion = Dump(completion);
    MAMORI_TRY(SealFieldsText(*env_.sealer, env_.pack, "request", r.id, r.completion));
    r.state = "completed";
    std::string after = t.state_on_complete;
    if (after.empty() && !t.state_in_effect.empty()) after = "in_use";
    if (!after.empty())
      for (const auto& asset : r.asset_ids) MAMORI_TRY(assets_.SetState(c, a, asset, after, r.id));
    return Ok();
  });
}

Result<RequestView> RequestService::Report(const Actor& a, const std::string& id, const std::string& note) {
  return Transition(a, id, "report", [&](storage::Connection&, storage::RequestRecord& r, const policy::RequestType& t,
                                         const OrgTree&) -> Status {
    if (r.requester_id != a.user_id) return Error::Forbidden("申請者だけが報告できます");
    if (!policy::Allows(t, "report", r.state)) return WrongState(r.state);
    r.state = "reported";
    r.decision_note = note;
    return Ok();
  });
}

Result<RequestView> RequestService::Get(const Actor& a, const std::string& id) {
  return env_.db.Read([&](storage::Connection& c) -> Result<RequestView> {
    MAMORI_ASSIGN(auto found, storage::RequestRepo(c).Get(id));
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (!found) return Error::NotFound("申請");
    const UnitScope readers = access_.Units(a, perm::kRequestsRead, tree);
    if (found->requester_id != a.user_id && !IsApprover(a, *found, tree) && !readers.Covers(found->requester_org_unit_id))
      return Error::NotFound("申請");
    return ViewOf(c, a, *found, tree);
  });
}

Result<std::pair<std::vector<RequestView>, int64_t>> RequestService::List(const Actor& a, const RequestQuery& q) {
  return env_.db.Read([&](storage::Connection& c) -> Result<std::pair<std::vector<RequestView>, int64_t>> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    storage::RequestFilter f;
    f.state = q.state;
    f.type = q.type;
    f.asset_id = q.asset_id;
    if (q.mine) f.requester_id = a.user_id;
    if (q.inbox) {
      // The inbox lists only what this person may decide: never their own requests.
      f.inbox = true;
      f.exclude_requester_id = a.user_id;
      f.exclude_step_actor_id = a.user_id;  // a step they took is done; the next is someone else's
      for (const auto& ra : a.roles) {
        if (ra.scope_type == "city") f.inbox_city_roles.push_back(ra.role);
        else if (ra.scope_type == "org_unit")
          for (const auto& unit : tree.Subtree(ra.scope_id)) f.inbox_unit_roles.emplace_back(ra.role, unit);
        else if (ra.scope_type == "system") f.inbox_system_roles.emplace_back(ra.role, ra.scope_id);
      }
    } else {
      const UnitScope readers = access_.Units(a, perm::kRequestsRead, tree);
      if (!readers.all) {
        f.restrict_units = true;
        f.unit_ids.assign(readers.units.begin(), readers.units.end());
        f.or_requester_id = a.user_id;
      }
    }
    storage::RequestRepo repo(c);
    MAMORI_ASSIGN(auto rows, repo.List(f, q.page));
    MAMORI_ASSIGN(int64_t total, repo.Count(f));
    std::vector<RequestView> out;
    for (auto& r : rows) {
      MAMORI_ASSIGN(RequestView v, ViewOf(c, a, std::move(r), tree));
      out.push_back(std::move(v));
    }
    return std::make_pair(std::move(out), total);
  });
}

Result<int64_t> RequestService::ExpireDue() {
  return env_.db.Write([&](storage::Connection& c) -> Result<int64_t> {
    storage::RequestRepo repo(c);
    MAMORI_ASSIGN(auto due, repo.DueToExpire(env_.Today()));
    for (const auto& id : due) {
      MAMORI_ASSIGN(auto r, repo.Get(id));
      if (!r) continue;
      r->state = "expired";
      r->updated_at = env_.clock.NowMicros();
      r->version += 1;
      MAMORI_TRY(repo.Update(*r));
      audit::Event e;
      e.actor = e.actor_login = "system";
      e.action = "request.expire";
      e.target = "request:" + r->id;
      e.clause = r->clause;
      e.detail = {{"type", r->type}, {"expires_on", r->expires_on}, {"asset_ids", r->asset_ids}};
      MAMORI_TRY(env_.log.Record(c, e));
    }
    return static_cast<int64_t>(due.size());
  });
}

}  // namespace mamori::domain

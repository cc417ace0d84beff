#include "api/handlers.hpp"
#include "api/views.hpp"
#include "api/input_rules.hpp"
#include "common/json_input.hpp"

#include <algorithm>
#include <climits>

namespace mamori::api {
namespace {



Response NotFound(const char* what) { return Response::Problem(Error::NotFound(what)); }

}  // namespace

bool ValidId(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string QueryParam(const Request& req, const char* name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

Result<bool> EnglishOf(const Request& req) {
  const std::string lang = QueryParam(req, "lang");
  if (lang.empty() || lang == "ja") return false;
  if (lang == "en") return true;
  return Error::Validation("lang", "not_allowed", "lang は ja か en です");
}

Result<storage::Page> PageOf(const Request& req) {
  storage::Page p;
  auto num = [&](const char* name, int64_t def, int64_t max, int64_t& out) -> Status {
    auto it = req.query.find(name);
    if (it == req.query.end() || it->second.empty()) {
      out = def;
      return Ok();
    }
    const std::string& s = it->second;
    if (s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
      return Error::Validation(name, "wrong_type");
    out = std::stoll(s);
    if (out < 1 || out > max) return Error::Validation(name, "out_of_range");
    return Ok();
  };
  MAMORI_TRY(num("page", 1, kPageMax, p.page));
  MAMORI_TRY(num("per_page", kPerPageDefault, kPerPageMax, p.per_page));
  return p;
}

Response ListOrgUnits(App& app, Call& call) {
  return Answer(app.directory.ListOrgUnits(call.actor()), [](const std::vector<storage::OrgUnitRecord>& units) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& u : units) items.push_back(OrgUnitJson(u));
    return Response::Json(200, ListJson(items, static_cast<int64_t>(units.size())));
  });
}

Response CreateOrgUnit(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  domain::NewOrgUnit u;
  auto code = in->String("code", true, kOrgUnitCode);
  auto name = in->String("name", true, kOrgUnitName);
  auto kind = in->Enum("kind", true, kOrgUnitKinds);
  auto parent = in->String("parent_id", true, kIdRule);
  in->RejectUnknown({"code", "name", "kind", "parent_id"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  u = {*code, *name, *kind, *parent};
  return Answer(app.directory.CreateOrgUnit(call.actor(), u),
                [](const storage::OrgUnitRecord& r) { return Response::Json(201, OrgUnitJson(r)); });
}

Response ListUsers(App& app, Call& call) {
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  domain::UserQuery q;
  q.page = *page;
  auto get = [&](const char* k) {
    auto it = call.req.query.find(k);
    return it == call.req.query.end() ? std::string() : it->second;
  };
  q.org_unit_id = get("org_unit_id");
  q.status = get("status");
  q.role = get("role");
  q.q = get("q");
  if (!q.status.empty() && std::find(std::begin(kUserStatuses), std::end(kUserStatuses), q.status) == std::end(kUserStatuses))
    return Response::Problem(Error::Validation("status", "not_allowed"));
  if (!CheckString(q.q, {0, kSearchMax}).empty()) return Response::Problem(Error::Validation("q", "invalid"));
  if (const std::string d = get("inactive_days"); !d.empty()) {
    if (d.size() > 5 || d.find_first_not_of("0123456789") != std::string::npos)
      return Response::Problem(Error::Validation("inactive_days", "wrong_type"));
    q.inactive_days = std::stoll(d);
    if (q.inactive_days < 1 || q.inactive_days > kInactiveDaysMax)
      return Response::Problem(Error::Validation("inactive_days", "out_of_range"));
  }
  const int64_t now = app.env.clock.NowMicros();
  const std::string today = app.env.Today();
  return Answer(app.directory.ListUsers(call.actor(), q), [&](const auto& listed) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& u : listed.first) items.push_back(UserJson(u, now, today));
    return Response::Json(200, ListJson(items, listed.second));
  });
}

Response CreateUser(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  auto login_id = in->String("login_id", true, kNewLoginId);
  auto name = in->String("name", true, kUserName);
  auto org = in->String("org_unit_id", true, kIdRule);
  auto type = in->Enum("employment_type", true, policy::kEmploymentTypes);
  auto expires = in->Date("expires_on", false);
  auto email = in->String("email", false, kEmail);
  in->RejectUnknown({"login_id", "name", "org_unit_id", "employment_type", "expires_on", "email"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  domain::NewUser u{*login_id, *name, *org, *type, expires.value_or(""), email.value_or("")};
  const int64_t now = app.env.clock.NowMicros();
  return Answer(app.directory.CreateUser(call.actor(), u), [&](const domain::CreatedUser& c) {
    nlohmann::json body = UserJson(c.user, now, app.env.Today());
    body["temporary_password"] = c.temporary_password;
    return Response::Json(201, body);
  });
}

Response GetUser(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  const int64_t now = app.env.clock.NowMicros();
  return Answer(app.directory.GetUser(call.actor(), id), [&](const storage::UserRecord& u) {
    return Response::Json(200, UserJson(u, now, app.env.Today()));
  });
}

Response SuspendUser(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  return AnswerStatus(app.directory.Suspend(call.actor(), id));
}

Response ResumeUser(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  return AnswerStatus(app.directory.Resume(call.actor(), id));
}

Response ResetUserPassword(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  return Answer(app.directory.ResetPassword(call.actor(), id), [](const std::string& pw) {
    return Response::Json(200, {{"temporary_password", pw}});
  });
}

Response DeleteUser(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  return AnswerStatus(app.directory.Delete(call.actor(), id));
}

Response ListRoleAssignments(App& app, Call& call) {
  auto it = call.req.query.find("user_id");
  const std::string user_id = it == call.req.query.end() ? "" : it->second;
  if (!user_id.empty() && !ValidId(user_id)) return Response::Problem(Error::Validation("user_id", "invalid"));
  return Answer(app.directory.ListRoles(call.actor(), user_id), [&](const auto& roles) {
    auto names = app.directory.ScopeNames(roles);
    if (!names.ok()) return Response::Problem(names.error());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& r : roles) items.push_back(RoleJson(r, app.env.pack, *names));
    return Response::Json(200, ListJson(items, static_cast<int64_t>(roles.size())));
  });
}

Response CreateRoleAssignment(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  auto user_id = in->String("user_id", true, kIdRule);
  auto role = in->String("role", true, kIdRule);
  auto scope_type = in->Enum("scope_type", true, policy::kScopeTypes);
  auto scope_id = in->String("scope_id", false, {0, kIdRule.max_length});
  auto from = in->Date("valid_from", false);
  auto to = in->Date("valid_to", false);
  auto delegate = in->String("delegate_of", false, {0, kIdRule.max_length});
  in->RejectUnknown({"user_id", "role", "scope_type", "scope_id", "valid_from", "valid_to", "delegate_of"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  domain::NewRoleAssignment a{*user_id,          *role,           *scope_type,          scope_id.value_or(""),
                              from.value_or(""), to.value_or(""), delegate.value_or("")};
  return Answer(app.directory.AssignRole(call.actor(), a), [&](const domain::RoleGrantOutcome& out) {
    // A role that needs a second person exists only once its request is approved.
    if (!out.assignment) return Response::Json(202, {{"request_id", out.request_id}});
    auto names = app.directory.ScopeNames({*out.assignment});
    return Response::Json(201, RoleJson(*out.assignment, app.env.pack, names.ok() ? *names : UnitNames{}));
  });
}

Response DeleteRoleAssignment(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("役割の割当て");
  return AnswerStatus(app.directory.RevokeRole(call.actor(), id));
}

Response UpdateUser(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  domain::UserChange ch;
  auto version = in->Int("version", true, 0, INT64_MAX);
  auto name = in->String("name", false, kUserName);
  auto org = in->String("org_unit_id", false, kIdRule);
  auto type = in->Enum("employment_type", false, policy::kEmploymentTypes);
  // expires_on: a date, or null to clear it.
  std::optional<std::string> expires;
  if (in->Raw().contains("expires_on") && in->Raw()["expires_on"].is_null()) expires = "";
  else expires = in->Date("expires_on", false);
  // email: an address, or null (or "") to remove it.
  std::optional<std::string> email;
  if (in->Raw().contains("email") && in->Raw()["email"].is_null()) email = "";
  else email = in->String("email", false, kEmail);
  in->RejectUnknown({"version", "name", "org_unit_id", "employment_type", "expires_on", "email"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  ch.version = *version;
  ch.name = name;
  ch.org_unit_id = org;
  ch.employment_type = type;
  ch.expires_on = expires;
  ch.email = email;
  const int64_t now = app.env.clock.NowMicros();
  return Answer(app.directory.UpdateUser(call.actor(), id, ch), [&](const domain::UserUpdate& u) {
    nlohmann::json body = UserJson(u.user, now, app.env.Today());
    nlohmann::json ended = nlohmann::json::array();
    for (const auto& r : u.ended) ended.push_back(r.id);
    body["roles_ended"] = ended;
    return Response::Json(200, body);
  });
}

Response GetUserHistory(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  return Answer(app.directory.History(call.actor(), id, *page), [](const domain::UserHistory& h) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : h.items) items.push_back(LogEntryJson(e));
    return Response::Json(200, ListJson(std::move(items), h.total));
  });
}

Response ResetUserMfa(App& app, Call& call) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return NotFound("利用者");
  std::string reason;
  if (!call.req.body.empty()) {
    auto in = JsonInput::Parse(call.req.body);
    if (!in.ok()) return Response::Problem(in.error());
    auto r = in->String("reason", false, kResetReason);
    in->RejectUnknown({"reason"});
    if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
    reason = r.value_or("");
  }
  return Answer(app.directory.ResetMfa(call.actor(), id, reason), [](const domain::MfaResetOutcome& out) {
    if (!out.request_id.empty()) return Response::Json(202, {{"request_id", out.request_id}});
    Response r;
    r.status = 204;
    return r;
  });
}

Response ListApproverVacancies(App& app, Call& call) {
  return Answer(app.requests.Vacancies(call.actor()), [&](const std::vector<domain::ApproverVacancy>& found) {
    std::vector<std::string> unit_ids;
    for (const auto& v : found)
      if (v.scope_type == "org_unit") unit_ids.push_back(v.scope_id);
    std::vector<storage::RoleAssignmentRecord> as_scopes;
    for (const auto& id : unit_ids) {
      storage::RoleAssignmentRecord scope;
      scope.scope_type = "org_unit";
      scope.scope_id = id;
      as_scopes.push_back(std::move(scope));
    }
    auto names = app.directory.ScopeNames(as_scopes);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& v : found) {
      const policy::RoleDef* role = app.env.pack.FindRole(v.role);
      nlohmann::json types = nlohmann::json::array();
      for (const auto& t : v.request_types) {
        const policy::RequestType* def = app.env.pack.FindRequestType(t);
        types.push_back({{"id", t}, {"title", def ? def->title : t}, {"title_en", def ? def->title_en : t}});
      }
      nlohmann::json scope_name = nullptr;
      if (names.ok())
        if (auto it = names->find(v.scope_id); it != names->end()) scope_name = it->second;
      items.push_back({{"role", v.role},
                       {"role_title", role ? role->title : v.role},
                       {"role_title_en", role ? role->title_en : v.role},
                       {"scope_type", v.scope_type},
                       {"scope_id", v.scope_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.scope_id)},
                       {"scope_name", scope_name},
                       {"request_types", types}});
    }
    return Response::Json(200, ListJson(items, static_cast<int64_t>(found.size())));
  });
}

}  // namespace mamori::api

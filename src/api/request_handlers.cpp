#include "api/handlers.hpp"
#include "api/input_rules.hpp"
#include "api/views.hpp"
#include "common/json_input.hpp"

namespace mamori::api {
namespace {


// The actions this reader is offered, in the order of the type's transition table, as a
// register record answers them (docs/registers.md).
nlohmann::json AvailableActions(const domain::RequestView& v, const policy::PolicyPack& pack) {
  nlohmann::json out = nlohmann::json::array();
  const policy::RequestType* t = pack.FindRequestType(v.request.type);
  if (!t || !t->workflow) return out;
  const std::map<std::string, bool> may = {{"approve", v.can_approve}, {"reject", v.can_approve},
                                           {"withdraw", v.can_withdraw}, {"submit", v.can_submit},
                                           {"complete", v.can_complete}, {"report", v.can_report}};
  for (const auto& tr : t->workflow->transitions)
    if (auto it = may.find(tr.id); it != may.end() && it->second)
      out.push_back({{"action", tr.id}, {"label", tr.label}, {"label_en", tr.label_en}, {"sets", tr.sets},
                     {"requires", tr.requires_fields}, {"note_required", tr.note_required}});
  return out;
}

// The approval chain (docs/policy_pack.md `approvers`): each step's role over its scope, whether
// it is approved, due, rejected or pending, and who took it; `step` approvals of `steps` given.
nlohmann::json ApprovalJson(const domain::RequestView& v, const policy::PolicyPack& pack) {
  auto or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  nlohmann::json steps = nlohmann::json::array();
  for (size_t i = 0; i < v.chain.size(); ++i) {
    const auto& s = v.chain[i];
    const policy::RoleDef* role = pack.FindRole(s.role);
    steps.push_back({{"step", i + 1},
                     {"role", s.role},
                     {"role_title", role ? role->title : s.role},
                     {"role_title_en", role ? role->title_en : s.role},
                     {"scope_type", s.scope_type},
                     {"scope_id", or_null(s.scope_id)},
                     {"scope_name", or_null(s.scope_name)},
                     {"status", s.status},
                     {"by", or_null(s.by)}});
  }
  return {{"step", v.request.step}, {"steps", v.chain.size()}, {"chain", steps}};
}

nlohmann::json RequestJson(const domain::RequestView& v, const policy::PolicyPack& pack) {
  const auto& r = v.request;
  const policy::RequestType* t = pack.FindRequestType(r.type);
  auto parse = [](const std::string& s) {
    auto j = nlohmann::json::parse(s, nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
  };
  return {{"id", r.id},
          {"type", r.type},
          {"type_title", t ? t->title : r.type},
          {"type_title_en", t ? t->title_en : r.type},
          {"state", r.state},
          {"clause", r.clause},
          {"requester_id", r.requester_id},
          {"requester_org_unit_id", r.requester_org_unit_id},
          {"asset_ids", r.asset_ids},
          {"fields", parse(r.fields)},
          {"completion", parse(r.completion)},
          {"approver",
           {{"role", r.approver_role},
            {"scope_type", r.approver_scope_type},
            {"scope_id", r.approver_scope_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.approver_scope_id)}}},
          {"approval", ApprovalJson(v, pack)},
          {"decided_by", r.decided_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.decided_by)},
          {"decided_at", TimeOrNull(r.decided_at)},
          {"decision_note", r.decision_note},
          {"expires_on", r.expires_on.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.expires_on)},
          {"report_due_at", TimeOrNull(r.report_due_at)},
          {"created_at", TimeOrNull(r.created_at)},
          {"updated_at", TimeOrNull(r.updated_at)},
          {"version", r.version},
          {"actions",
           {{"approve", v.can_approve}, {"reject", v.can_approve}, {"withdraw", v.can_withdraw},
            {"submit", v.can_submit}, {"complete", v.can_complete}, {"report", v.can_report}}},
          {"available_actions", AvailableActions(v, pack)}};
}

// A decision body: {"note": "..."} (optional), nothing else.
Result<std::string> NoteOf(const Request& req, bool required) {
  if (req.body.empty() && !required) return std::string();
  MAMORI_ASSIGN(auto in, JsonInput::Parse(req.body));
  auto note = in.String("note", required, {required ? 1u : 0u, kNoteMax, true});
  in.RejectUnknown({"note"});
  MAMORI_TRY(in.Finish());
  return note.value_or("");
}

Response Step(App& app, Call& call, const std::function<Result<domain::RequestView>(const std::string&)>& fn) {
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound("申請"));
  return Answer(fn(id), [&](const domain::RequestView& v) { return Response::Json(200, RequestJson(v, app.env.pack)); });
}

}  // namespace

Response ListRequests(App& app, Call& call) {
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  domain::RequestQuery q;
  q.page = *page;
  auto get = [&](const char* k) {
    auto it = call.req.query.find(k);
    return it == call.req.query.end() ? std::string() : it->second;
  };
  q.state = get("state");
  q.type = get("type");
  q.asset_id = get("asset_id");
  for (const auto* v : {&q.state, &q.type})
    if (!CheckString(*v, {0, 64}).empty()) return Response::Problem(Error::Validation(v == &q.state ? "state" : "type", "invalid"));
  if (!q.asset_id.empty() && !ValidId(q.asset_id)) return Response::Problem(Error::Validation("asset_id", "invalid"));
  for (const char* flag : {"mine", "inbox"}) {
    const std::string v = get(flag);
    if (!v.empty() && v != "true" && v != "false") return Response::Problem(Error::Validation(flag, "wrong_type"));
  }
  q.mine = get("mine") == "true";
  q.inbox = get("inbox") == "true";
  return Answer(app.requests.List(call.actor(), q), [&](const auto& listed) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& v : listed.first) items.push_back(RequestJson(v, app.env.pack));
    return Response::Json(200, {{"items", items}, {"total", listed.second}});
  });
}

Response CreateRequest(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  auto type = in->String("type", true, {1, 64});
  auto assets = in->StringArray("asset_ids", false, kRequestAssetsMax, kIdRule);
  auto draft = in->Bool("draft", false);
  if (in->Has("fields") && !in->Raw()["fields"].is_object()) in->AddError("fields", "wrong_type");
  in->RejectUnknown({"type", "asset_ids", "fields", "draft"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  domain::NewRequest r;
  r.type = *type;
  r.asset_ids = assets.value_or(std::vector<std::string>{});
  if (in->Has("fields")) r.fields = in->Raw()["fields"];
  r.draft = draft.value_or(false);
  return Answer(app.requests.Create(call.actor(), r),
                [&](const domain::RequestView& v) { return Response::Json(201, RequestJson(v, app.env.pack)); });
}

Response GetRequest(App& app, Call& call) {
  return Step(app, call, [&](const std::string& id) { return app.requests.Get(call.actor(), id); });
}

Response SubmitRequest(App& app, Call& call) {
  return Step(app, call, [&](const std::string& id) { return app.requests.Submit(call.actor(), id); });
}

Response ApproveRequest(App& app, Call& call) {
  auto note = NoteOf(call.req, false);
  if (!note.ok()) return Response::Problem(note.error());
  return Step(app, call, [&](const std::string& id) { return app.requests.Approve(call.actor(), id, *note); });
}

Response RejectRequest(App& app, Call& call) {
  auto note = NoteOf(call.req, true);
  if (!note.ok()) return Response::Problem(note.error());
  return Step(app, call, [&](const std::string& id) { return app.requests.Reject(call.actor(), id, *note); });
}

Response WithdrawRequest(App& app, Call& call) {
  return Step(app, call, [&](const std::string& id) { return app.requests.Withdraw(call.actor(), id); });
}

Response CompleteRequest(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body.empty() ? "{}" : call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  if (in->Has("completion") && !in->Raw()["completion"].is_object()) in->AddError("completion", "wrong_type");
  in->RejectUnknown({"completion"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  const nlohmann::json completion = in->Has("completion") ? in->Raw()["completion"] : nlohmann::json::object();
  return Step(app, call, [&](const std::string& id) { return app.requests.Complete(call.actor(), id, completion); });
}

Response ReportRequest(App& app, Call& call) {
  auto note = NoteOf(call.req, false);
  if (!note.ok()) return Response::Problem(note.error());
  return Step(app, call, [&](const std::string& id) { return app.requests.Report(call.actor(), id, *note); });
}

}  // namespace mamori::api

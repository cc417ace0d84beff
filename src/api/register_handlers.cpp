// Every register of the pack (docs/registers.md): one set of handlers serves them all. The route
// names the register (the `register` path parameter the router fills from the route table)
// and, for a transition, the action; the handlers read the body, call the register engine and
// answer the record as API v1 JSON.
#include "api/handlers.hpp"
#include "api/register_views.hpp"
#include "api/views.hpp"
#include "common/crypto.hpp"
#include "common/json_input.hpp"
#include "common/table_file.hpp"
#include "common/time.hpp"

namespace mamori::api {
namespace {

using json = nlohmann::json;

const policy::RegisterSpec* SpecOf(App& app, Call& call) { return app.registers.Find(call.req.params["register"]); }

Response NoRegister() { return Response::Problem(Error::NotFound("台帳")); }

// A 年度 as the query gives it: four digits, else -1 (the engine names it invalid_format).
int ParseFiscalYear(const std::string& v) {
  if (v.size() != 4 || v.find_first_not_of("0123456789") != std::string::npos) return -1;
  const int year = std::stoi(v);
  return year == 0 ? -1 : year;
}

// The list's query: state, q, each filter field, page and per_page; anything else is named.
Result<domain::RecordQuery> QueryOf(const policy::RegisterSpec& r, const Request& req, bool paged) {
  domain::RecordQuery q;
  if (paged) {
    MAMORI_ASSIGN(q.page, PageOf(req));
  }
  std::vector<FieldError> errors;
  for (const auto& [key, value] : req.query) {
    if (key == "page" || key == "per_page" || key == "lang" || (key == "format" && !paged)) continue;
    if (key == "state") q.state = value;
    else if (key == "q") q.q = value;
    else if (key == "fiscal_year" && r.fiscal_year) q.fiscal_year = ParseFiscalYear(value);
    else if (const auto* f = r.FindField(key); f && f->filter) q.eq[key] = value;
    else errors.emplace_back(CheckString(key, {1, 64}).empty() ? key : "(invalid)", "unknown_field");
  }
  if (!errors.empty()) return Error::Invalid(std::move(errors));
  return q;
}

Result<json> BodyOf(const Request& req) {
  MAMORI_ASSIGN(auto in, JsonInput::Parse(req.body));
  return in.Raw();
}

}  // namespace

Response ListRegisters(App& app, Call& call) {
  json items = json::array();
  for (const auto& r : app.env.pack.registers) items.push_back(RegisterJson(r, app.registers, call.actor(), app.env.pack));
  for (const auto& t : app.env.pack.request_types) items.push_back(RequestTypeCatalogJson(t, app.env.pack));
  return Response::Json(200, {{"items", items}, {"total", items.size()}});
}

Response ListRecords(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  auto q = QueryOf(*r, call.req, true);
  if (!q.ok()) return Response::Problem(q.error());
  return Answer(app.registers.List(call.actor(), *r, *q), [&](const domain::RecordList& listed) {
    json items = json::array();
    for (const auto& v : listed.items) items.push_back(RecordJson(v));
    json body = ListJson(std::move(items), listed.total);
    if (listed.can_create) body["can_create"] = *listed.can_create;  // a parent's children
    return Response::Json(200, body);
  });
}

Response CreateRecord(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  auto body = BodyOf(call.req);
  if (!body.ok()) return Response::Problem(body.error());
  return Answer(app.registers.Create(call.actor(), *r, *body),
                [](const domain::RecordView& v) { return Response::Json(201, RecordJson(v)); });
}

Response GetRecord(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound(r->title));
  return Answer(app.registers.Get(call.actor(), *r, id),
                [](const domain::RecordView& v) { return Response::Json(200, RecordJson(v)); });
}

Response UpdateRecord(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound(r->title));
  auto body = BodyOf(call.req);
  if (!body.ok()) return Response::Problem(body.error());
  return Answer(app.registers.Update(call.actor(), *r, id, *body),
                [](const domain::RecordView& v) { return Response::Json(200, RecordJson(v)); });
}

Response GetRecordHistory(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound(r->title));
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  return Answer(app.registers.History(call.actor(), *r, id, *page), [](const domain::RecordHistory& h) {
    json items = json::array();
    for (const auto& e : h.items) {
      json entry = LogEntryJson(e);
      auto name = h.actor_names.find(e.actor);
      entry["actor_name"] = name == h.actor_names.end() ? json(nullptr) : json(name->second);
      items.push_back(std::move(entry));
    }
    return Response::Json(200, ListJson(std::move(items), h.total));
  });
}

Response TransitionRecord(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  const std::string& id = call.req.params["id"];
  if (!ValidId(id)) return Response::Problem(Error::NotFound(r->title));
  auto in = JsonInput::Parse(call.req.body.empty() ? std::string("{}") : call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  auto note = in->String("note", false, {0, 2000, true});
  json fields = in->Raw().contains("fields") ? in->Raw()["fields"] : json::object();
  if (fields.is_null()) fields = json::object();
  in->RejectUnknown({"note", "fields"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  return Answer(app.registers.Transition(call.actor(), *r, id, call.req.params["action"], note.value_or(""), fields),
                [](const domain::RecordView& v) { return Response::Json(200, RecordJson(v)); });
}

Response ExportRecords(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  auto q = QueryOf(*r, call.req, false);
  if (!q.ok()) return Response::Problem(q.error());
  auto english = EnglishOf(call.req);
  if (!english.ok()) return Response::Problem(english.error());
  std::string format = QueryParam(call.req, "format");
  if (format.empty()) format = "xlsx";
  if (format != "xlsx" && format != "csv")
    return Response::Problem(Error::Validation("format", "not_allowed", "format は xlsx か csv です"));
  auto exported = app.registers.Export(call.actor(), *r, *q, format);
  if (!exported.ok()) return Response::Problem(exported.error());
  const Sheet sheet = RecordSheet(*r, *exported, *english);
  const std::string stem = r->path + "-" + FormatDate(JstDate(app.env.clock.NowMicros()));
  Response resp;
  if (format == "csv") {
    resp = Response::Text(200, SheetCsv(sheet), "text/csv; charset=utf-8");
    resp.SetHeader("Content-Disposition", "attachment; filename=\"" + stem + ".csv\"");
  } else {
    auto bytes = XlsxWorkbook(sheet);
    if (!bytes.ok()) return Response::Problem(bytes.error());
    resp = Response::Text(200, std::move(*bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    resp.SetHeader("Content-Disposition", "attachment; filename=\"" + stem + ".xlsx\"");
  }
  resp.SetHeader("Cache-Control", "no-store");
  return resp;
}

Response ImportRecords(App& app, Call& call) {
  const auto* r = SpecOf(app, call);
  if (!r) return NoRegister();
  std::string declared = QueryParam(call.req, "encoding");
  auto encoding = ParseEncodingName(declared);
  if (!encoding.ok()) return Response::Problem(encoding.error());
  if (call.req.body.empty()) return Response::Problem(Error::Validation("file", "empty", "ファイルが空です"));
  auto text = DecodeText(call.req.body, *encoding);
  if (!text.ok()) return Response::Problem(text.error());
  CsvLimits limits;
  limits.max_records = 10001;
  auto table = ParseCsv(text->text, limits);
  if (!table.ok()) return Response::Problem(table.error());
  auto rows = RowsOfSheet(*r, *table);
  if (!rows.ok()) return Response::Problem(rows.error());
  return Answer(app.registers.Import(call.actor(), *r, *rows), [](int64_t n) {
    return Response::Json(201, json{{"imported", n}});
  });
}

}  // namespace mamori::api

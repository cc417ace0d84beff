#include <algorithm>

#include "api/handlers.hpp"
#include "api/input_rules.hpp"
#include "api/views.hpp"
#include "common/json_input.hpp"
#include "common/table_file.hpp"
#include "domain/log_sheet.hpp"
#include "storage/repos.hpp"

namespace mamori::api {
namespace {

// Reads the log filters shared by list and export.
Result<storage::LogFilter> FilterOf(const Request& req) {
  storage::LogFilter f;
  auto get = [&](const char* k) {
    auto it = req.query.find(k);
    return it == req.query.end() ? std::string() : it->second;
  };
  f.actor = get("actor");
  f.action = get("action");
  f.result = get("result");
  f.target_type = get("target_type");
  if (!f.target_type.empty() && !domain::IsLogTargetType(f.target_type)) {
    std::string known;
    for (const char* t : domain::kLogTargetTypes) known += (known.empty() ? "" : ", ") + std::string(t);
    return Error::Validation("target_type", "not_allowed", "target_type は " + known + " のいずれかです");
  }
  for (const auto* v : {&f.actor, &f.action})
    if (!CheckString(*v, {0, 64}).empty()) return Error::Validation(v == &f.actor ? "actor" : "action", "invalid");
  if (!f.result.empty() && std::find(std::begin(kLogResults), std::end(kLogResults), f.result) == std::end(kLogResults))
    return Error::Validation("result", "not_allowed");
  for (const char* k : {"from", "to"}) {
    const std::string v = get(k);
    if (v.empty()) continue;
    auto t = ParseRfc3339(v);
    if (!t) return Error::Validation(k, "invalid_time", std::string(k) + " は RFC 3339 の日時か YYYY-MM-DD です");
    // A bare date as "to" includes that whole day.
    (std::string(k) == "from" ? f.from : f.to) = *t + (std::string(k) == "to" && v.size() == 10 ? kMicrosPerDay : 0);
  }
  return f;
}


}  // namespace

Response ListAuditLog(App& app, Call& call) {
  auto f = FilterOf(call.req);
  if (!f.ok()) return Response::Problem(f.error());
  auto page = PageOf(call.req);
  if (!page.ok()) return Response::Problem(page.error());
  auto english = EnglishOf(call.req);
  if (!english.ok()) return Response::Problem(english.error());
  return Answer(app.logs.List(call.actor(), *f, *page, false, *english), [](const domain::LogPage& listed) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : listed.items) items.push_back(LogEntryJson(e));
    return Response::Json(200, {{"items", items}, {"total", listed.total}});
  });
}

Response ExportAuditLog(App& app, Call& call) {
  auto f = FilterOf(call.req);
  if (!f.ok()) return Response::Problem(f.error());
  auto english = EnglishOf(call.req);
  if (!english.ok()) return Response::Problem(english.error());
  // One export holds at most 100,000 rows; narrow the period for more.
  return Answer(app.logs.List(call.actor(), *f, {1, 100000}, true, *english), [&](const domain::LogPage& listed) {
    Response r = Response::Text(200, domain::LogCsv(listed.items, *english), "text/csv; charset=utf-8");
    r.SetHeader("Content-Disposition", "attachment; filename=\"operation-log.csv\"");
    return r;
  });
}

Response GetPolicy(App& app, Call& call) { return Response::Json(200, PolicyJson(app.env.pack)); }

Response Healthz(App&, Call&) { return Response::Json(200, {{"status", "ok"}}); }

Response OpenApi(App& app, Call&) {
  if (app.openapi_json.empty()) return Response::Problem(Error::NotFound("API文書"));
  return Response::Text(200, app.openapi_json, "application/json");
}

}  // namespace mamori::api

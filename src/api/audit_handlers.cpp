#include "api/handlers.hpp"
#include "api/views.hpp"
#include "common/json_input.hpp"
#include "common/table_file.hpp"
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
  for (const auto* v : {&f.actor, &f.action})
    if (!CheckString(*v, {0, 64}).empty()) return Error::Validation(v == &f.actor ? "actor" : "action", "invalid");
  if (!f.result.empty() && f.result != "success" && f.result != "failure" && f.result != "denied")
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
  return Answer(app.logs.List(call.actor(), *f, *page, false), [](const auto& listed) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& e : listed.first) items.push_back(LogEntryJson(e));
    return Response::Json(200, {{"items", items}, {"total", listed.second}});
  });
}

Response ExportAuditLog(App& app, Call& call) {
  auto f = FilterOf(call.req);
  if (!f.ok()) return Response::Problem(f.error());
  // One export holds at most 100,000 rows; narrow the period for more.
  return Answer(app.logs.List(call.actor(), *f, {1, 100000}, true), [](const auto& listed) {
    // UTF-8 with BOM so Excel opens Japanese text correctly.
    std::string csv(kUtf8Bom);
    // The last three columns (session, at in µs, prev_hash) are for checking the chain; the
    // byte-exact export for verifiers is GET /api/v1/audit-log/chain (docs/operation_log.md).
    csv += "seq,at,actor_login_id,actor,address,action,target,result,clause,detail,hash,session,at_us,prev_hash\r\n";
    for (const auto& e : listed.first) {
      csv += std::to_string(e.seq) + "," +
             CsvLine({FormatRfc3339(e.at), e.actor_login, e.actor, e.address, e.action, e.target, e.result,
                      e.clause, e.detail, e.hash, e.session, std::to_string(e.at), e.prev_hash});
    }
    Response r = Response::Text(200, std::move(csv), "text/csv; charset=utf-8");
    r.SetHeader("Content-Disposition", "attachment; filename=\"operation-log.csv\"");
    return r;
  });
}

Response GetPolicy(App& app, Call& call) { return Response::Json(200, PolicyJson(app.env.pack)); }

Response Healthz(App&, Call&) { return Response::Json(200, {{"status", "ok"}}); }

}  // namespace mamori::api

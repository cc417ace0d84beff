// The application as the HTTP edge sees it: the services, and the per-request call state the
// pipeline fills in before a handler runs.
#pragma once

#include <optional>
#include <string>

#include "api/metrics.hpp"
#include "api/request.hpp"
#include "domain/asset_service.hpp"
#include "domain/auth_service.hpp"
#include "domain/directory_service.hpp"
#include "domain/env.hpp"
#include "domain/health_service.hpp"
#include "domain/log_service.hpp"
#include "domain/notifier.hpp"
#include "domain/register_attachments.hpp"
#include "domain/refusal_log.hpp"
#include "domain/register_service.hpp"
#include "domain/request_service.hpp"

namespace mamori::api {

struct App {
  // `refusal_window_micros`: identical refusals within it are counted in one log entry.
  explicit App(domain::Env& e, int64_t refusal_window_micros = 60 * kMicrosPerSecond)
      : env(e), auth(e), logs(e), health(e, logs), assets(e), registers(e), requests(e, assets),
        directory(e, &requests), refusals(e, refusal_window_micros), notifications(e),
        attachments(e, registers, refusals) {}
  domain::Env& env;
  domain::AuthService auth;
  domain::LogService logs;
  domain::HealthService health;  // /readyz and the gauges of /metrics
  domain::AssetService assets;
  domain::RegisterService registers;  // every register of the pack (docs/registers.md)
  domain::RequestService requests;
  domain::DirectoryService directory;  // after requests: it registers the grant and reset effects
  domain::RefusalLog refusals;  // every refused decision on the record (the pipeline writes)
  domain::NotificationService notifications;  // notify (issue 9): the caller's own notifications
  domain::AttachmentService attachments;  // files on register records (after registers, refusals)
  Metrics metrics;
  std::string web_dir;  // built front end (web/dist); empty = none
  std::string openapi_json;  // /api/v1/openapi.json, generated from the route table at start
  std::string metrics_token;  // bearer token GET /metrics requires; empty = /metrics is off
};

struct Call {
  Request& req;
  std::optional<domain::SessionState> session;  // set for routes that need a session
  const domain::Actor& actor() const { return session->actor; }
};

// Name of the session cookie (API v1 contract).
inline constexpr const char* kSessionCookie = "__Host-mamori_session";

// Maps a service Result to a response: `ok` builds the success answer.
template <typename T, typename F>
Response Answer(Result<T>&& r, F&& ok) {
  if (!r.ok()) return Response::Problem(r.error());
  return ok(r.value());
}
inline Response AnswerStatus(const Status& st, int success_status = 204) {
  if (!st.ok()) return Response::Problem(st.error());
  Response r;
  r.status = success_status;
  return r;
}

// A list answer: {items, total}.
inline nlohmann::json ListJson(nlohmann::json items, int64_t total) {
  return {{"items", std::move(items)}, {"total", total}};
}
// An opaque id from the path: 32 hex digits; anything else is simply not found.
bool ValidId(const std::string& id);
// A query parameter's value, or "" when absent.
std::string QueryParam(const Request& req, const char* name);
// `lang`: "ja" (the default) or "en", for names and spreadsheet headings.
Result<bool> EnglishOf(const Request& req);

// Parses `page` and `per_page` query parameters (1-based; per_page 1..200, default 50).
Result<storage::Page> PageOf(const Request& req);

}  // namespace mamori::api

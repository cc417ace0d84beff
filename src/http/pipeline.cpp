#include "http/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "api/problem.hpp"
#include "common/crypto.hpp"
#include "common/json_input.hpp"
#include "common/log.hpp"

namespace mamori::http {
namespace {

api::Response Problem(ErrorCode code, std::string detail) {
  return api::Response::Problem(Error{code, std::move(detail), {}, {}});
}

bool IsApi(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/healthz" || path == "/readyz" || path == "/metrics";
}

const char* ContentType(const std::string& ext) {
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json") return "application/json";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

bool Trusted(const std::string& address, const std::vector<net::IpNetwork>& proxies) {
  auto ip = net::ParseIp(address);
  return ip && std::any_of(proxies.begin(), proxies.end(), [&](const auto& n) { return n.Contains(*ip); });
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string ClientAddress(const std::string& peer, const std::string& forwarded_for,
                          const std::vector<net::IpNetwork>& trusted_proxies) {
  if (forwarded_for.empty() || !Trusted(peer, trusted_proxies)) return peer;
  std::string client = peer;
  std::string_view rest(forwarded_for);
  while (!rest.empty()) {
    const size_t comma = rest.rfind(',');
    const std::string hop = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    auto ip = net::ParseIp(hop);
    if (!ip) break;
    client = ip->ToString();
    if (!Trusted(client, trusted_proxies)) break;
  }
  return client;
}

bool IsJsonBody(const api::Request& req) {
  if (req.body.empty()) return true;
  std::string type = req.Header("content-type");
  type = AsciiLower(Trim(std::string_view(type).substr(0, type.find(';'))));
  return type == "application/json";
}

void AddSecurityHeaders(api::Response& r, bool api) {
  r.SetHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  r.SetHeader("Content-Security-Policy",
              "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  r.SetHeader("X-Content-Type-Options", "nosniff");
  r.SetHeader("X-Frame-Options", "DENY");
  r.SetHeader("Referrer-Policy", "no-referrer");
  r.SetHeader("Cross-Origin-Opener-Policy", "same-origin");
  // Personal data must not linger in caches; hashed static assets may.
  if (api || r.GetHeader("Cache-Control").empty()) r.SetHeader("Cache-Control", "no-store");
}

api::Response Pipeline::Handle(api::Request& req) {
  // 1. Timing starts first so the latency histogram covers every later stage. The client's
  //    address is settled before anything reads it (sessions, throttle, log).
  //    The request's id comes from a trusted proxy (HAProxy's unique-id) or is made here; every
  //    server-log line written while serving it carries the id, and so does the response.
  const auto start = std::chrono::steady_clock::now();
  const std::string offered_id = req.Header("x-request-id");
  const std::string request_id = !offered_id.empty() && Trusted(req.remote_address, trusted_proxies_) &&
                                         log::IsAcceptableRequestId(offered_id)
                                     ? offered_id
                                     : log::NewRequestId();
  log::RequestScope log_scope(request_id);
  if (!trusted_proxies_.empty())
    req.remote_address = ClientAddress(req.remote_address, req.Header("x-forwarded-for"), trusted_proxies_);
  Outcome out;
  api::Response resp;
  try {
    // 2-6. Routing, body type, session, CSRF, owed steps, handler (see Dispatch).
    resp = Dispatch(req, out);
  } catch (...) {
    // 7. Nothing thrown below reaches the client as text (api/problem.hpp: the one place an
    //    exception becomes a 500).
    resp = api::InternalErrorResponse(std::current_exception(), req.method, req.path);
  }
  // 8. A refused decision is itself on the record, in its own transaction: the refused change
  //    rolled back inside the service and wrote nothing (DESIGN: every refusal is logged).
  if (resp.error && out.route &&
      domain::IsRecordedRefusal(resp.error->code, req.method != "GET" && req.method != "HEAD"))
    RecordRefusal(req, out, *resp.error);
  // 9. Security headers on everything, no-store on the API; the request's id.
  AddSecurityHeaders(resp, IsApi(req.path));
  resp.SetHeader("X-Request-Id", request_id);
  // 10. Metrics and the access line last, with the final status.
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool is_static = !IsApi(req.path) && (req.method == "GET" || req.method == "HEAD");
  const std::string route_label = out.route ? out.route->pattern : is_static ? "static" : "unmatched";
  app_.metrics.Observe(route_label, req.method, resp.status, secs);
  nlohmann::json access = {{"method", req.method},
                           {"path", req.path},
                           {"route", route_label},
                           {"status", resp.status},
                           {"duration_ms", std::round(secs * 100000.0) / 100.0},
                           {"client", req.remote_address}};
  if (out.session) access["user"] = out.session->user.id;
  if (resp.error) access["problem"] = ErrorCodeName(resp.error->code);
  log::Info("request", access);
  return resp;
}

void Pipeline::RecordRefusal(const api::Request& req, const Outcome& out, const Error& why) {
  const Route& route = *out.route;
  audit::Event e;
  if (out.session) {
    e = out.session->actor.Event("", "-");
  } else {
    e.address = req.remote_address.empty() ? "-" : req.remote_address;
  }
  // Every changing route names its action; a refused read falls back to its method and path.
  e.action = route.action.empty() ? "api." + req.method + " " + route.pattern : route.action;
  if (auto id = req.params.find("id"); !route.object.empty() && id != req.params.end())
    e.target = route.object + ":" + id->second;
  e.detail = {{"method", req.method}, {"route", route.pattern}};
  // The same call sent again is the same refusal; another body (another asset, another form) is
  // another. A sign-in's body names the account tried: a throttled address is one caller
  // whatever it tries, so its body is left out.
  const std::string call = why.code == ErrorCode::kRateLimited
                               ? std::string()
                               : crypto::Sha256Hex(req.method + '\n' + req.path + '\n' + req.body);
  if (auto st = app_.refusals.Record(std::move(e), why, call); !st.ok())
    spdlog::error("refusal of {} {} not recorded: {}", req.method, req.path, st.error().detail);
}

api::Response Pipeline::Dispatch(api::Request& req, Outcome& out) {
  // 2. Routing: API paths by the table; any other GET is the front end.
  if (!IsApi(req.path)) {
    if (req.method != "GET" && req.method != "HEAD") return Problem(ErrorCode::kMethodNotAllowed, "許可されていないメソッドです");
    return StaticFile(req);
  }
  Match m = router_.Find(req);
  if (!m.route) {
    if (m.path_known) return Problem(ErrorCode::kMethodNotAllowed, "このパスではそのメソッドを使えません");
    return Problem(ErrorCode::kNotFound, "そのAPIはありません");
  }
  const Route& route = *m.route;
  out.route = &route;
  // 2b. Body type: API bodies are JSON, sent as application/json, except on the upload paths
  //     (text/csv and the like). A cross-site form can send only form types or text/plain, so
  //     this also closes login CSRF, where no session token exists yet.
  if (!IsJsonBody(req) && !route.upload)
    return Problem(ErrorCode::kUnsupportedMediaType,
                   "リクエスト本文は JSON（Content-Type: application/json）で送ってください");
  api::Call call{req, std::nullopt};
  if (route.access != Access::kPublic) {
    // 3. Session: the cookie names a live session or the request is unauthenticated.
    auto authenticated = app_.auth.Authenticate(req.Cookie(api::kSessionCookie), req.remote_address);
    if (!authenticated.ok()) return api::Response::Problem(authenticated.error());
    call.session = std::move(authenticated).value();
    // 4. CSRF: every state-changing request carries the session's token in a header that a
    //    cross-site form cannot set.
    if (req.method != "GET" && req.method != "HEAD" &&
        !crypto::ConstantTimeEqual(req.Header("x-csrf-token"), call.session->session.csrf_token))
      return Problem(ErrorCode::kCsrfFailed, "CSRFトークンが一致しません。画面を再読み込みしてください");
    // 5. Owed steps, settled in order: the MFA code of someone enrolled first (a password
    //    alone must not unlock a password change), then a temporary or expired password
    //    (kobe:7.4.3キ, 8.2.6エ), then TOTP enrolment (kobe:6.4.2ア). Until then a session
    //    reaches only the routes that settle the step it owes.
    const domain::SessionState& s = *call.session;
    const auto& pack = app_.env.pack;
    if (s.MfaPending() && s.mfa_enrolled) {
      if (!(route.owed & kMfaCode))
        return api::Response::Problem(
            {ErrorCode::kMfaRequired, "確認コードを入力してください", pack.Cite(pack.auth.mfa.clause), {}});
    } else if (s.must_change_password) {
      if (!(route.owed & kPasswordChange))
        return api::Response::Problem(
            {ErrorCode::kPasswordChangeRequired, "パスワードを変更してください", pack.CiteFor("temporary_password"), {}});
    } else if (s.MfaPending()) {
      if (!(route.owed & kMfaEnrolment))
        return api::Response::Problem(
            {ErrorCode::kMfaRequired, "多要素認証を登録してください", pack.Cite(pack.auth.mfa.clause), {}});
    } else if (route.owed == kMfaCode) {
      // Nothing owed: the MFA step has nothing to settle.
      return api::Response::Problem({ErrorCode::kConflict, "多要素認証は完了しています", {}, {}});
    }
  }
  // 6. The handler: parse, call one service, map the result.
  api::Response resp = route.handler(app_, call);
  out.session = std::move(call.session);
  return resp;
}

api::Response Pipeline::StaticFile(const api::Request& req) {
  namespace fs = std::filesystem;
  if (app_.web_dir.empty()) return Problem(ErrorCode::kNotFound, "画面が組み込まれていません");
  std::string rel = req.path;
  if (rel.find("..") != std::string::npos || rel.find('\0') != std::string::npos)
    return Problem(ErrorCode::kNotFound, "見つかりません");
  fs::path file = fs::path(app_.web_dir) / rel.substr(1);
  std::error_code ec;
  bool asset = rel.rfind("/assets/", 0) == 0;
  if (rel == "/" || !fs::is_regular_file(file, ec)) {
    // History fallback: client-side routes all load the app shell; missing assets are 404.
    if (asset || fs::path(rel).has_extension()) return Problem(ErrorCode::kNotFound, "見つかりません");
    file = fs::path(app_.web_dir) / "index.html";
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Problem(ErrorCode::kNotFound, "見つかりません");
  std::ostringstream ss;
  ss << in.rdbuf();
  api::Response r = api::Response::Text(200, ss.str(), ContentType(file.extension().string()));
  // Vite names assets by content hash, so they never change under a name.
  if (asset) r.SetHeader("Cache-Control", "public, max-age=31536000, immutable");
  if (req.method == "HEAD") r.body.clear();
  return r;
}

}  // namespace mamori::http

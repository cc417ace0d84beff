#include <algorithm>
#include <cctype>

#include "api/handlers.hpp"
#include "api/input_rules.hpp"
#include "api/views.hpp"
#include "common/json_input.hpp"

namespace mamori::api {
namespace {

// Secure, HttpOnly, SameSite=Strict, host-only: the cookie never reaches script or other sites.
std::string SessionCookie(const std::string& token, int max_age) {
  return std::string(kSessionCookie) + "=" + token + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age);
}

nlohmann::json Session(App& app, const domain::SessionState& s) {
  const int64_t now = app.env.clock.NowMicros();
  auto names = app.directory.ScopeNames(s.actor.roles);
  return SessionJson(s, app.env.pack, now, app.env.Today(), names.ok() ? *names : UnitNames{});
}

// The answer to a step that issued a new session token: the session document (with the new
// csrf_token) and the new cookie, which replaces the old one at once.
Response Renewed(App& app, const domain::LoginResult& r) {
  Response resp = Response::Json(200, Session(app, r.state));
  resp.SetHeader("Set-Cookie", SessionCookie(r.token, app.env.pack.auth.session.absolute_hours * 3600));
  return resp;
}

// A short browser label from a User-Agent ("Edge 120 (Windows)"), for people reading the list.
std::string BrowserLabel(const std::string& ua) {
  auto version = [&](const std::string& token) -> std::string {
    size_t at = ua.find(token);
    if (at == std::string::npos) return {};
    at += token.size();
    size_t end = at;
    while (end < ua.size() && std::isdigit(static_cast<unsigned char>(ua[end]))) ++end;
    return ua.substr(at, end - at);
  };
  std::string name;
  if (auto v = version("Edg/"); !v.empty()) name = "Edge " + v;
  else if (auto f = version("Firefox/"); !f.empty()) name = "Firefox " + f;
  else if (auto c = version("Chrome/"); !c.empty()) name = "Chrome " + c;
  else if (auto sf = version("Version/"); !sf.empty() && ua.find("Safari/") != std::string::npos) name = "Safari " + sf;
  else if (auto cu = version("curl/"); !cu.empty()) name = "curl " + cu;
  else if (!ua.empty()) name = ua.substr(0, std::min<size_t>(ua.find(' '), 40));
  std::string os;
  if (ua.find("Windows") != std::string::npos) os = "Windows";
  else if (ua.find("iPhone") != std::string::npos || ua.find("iPad") != std::string::npos) os = "iOS";
  else if (ua.find("Android") != std::string::npos) os = "Android";
  else if (ua.find("Mac OS X") != std::string::npos) os = "macOS";
  else if (ua.find("Linux") != std::string::npos) os = "Linux";
  return os.empty() ? name : name + " (" + os + ")";
}

// A six-digit code, or a validation error naming the field.
Result<std::string> CodeOf(const Request& req) {
  MAMORI_ASSIGN(auto in, JsonInput::Parse(req.body));
  auto code = in.String("code", true, kMfaCodeInput);
  in.RejectUnknown({"code"});
  MAMORI_TRY(in.Finish());
  return *code;
}

}  // namespace

Response Login(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  // Passwords are not limited to "clean" text here: the rules decide, after the check.
  auto login_id = in->String("login_id", true, kLoginIdInput);
  auto password = in->String("password", true, kPasswordInput);
  in->RejectUnknown({"login_id", "password"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  auto r = app.auth.Login(*login_id, *password, call.req.remote_address, call.req.Header("user-agent"),
                          call.req.Cookie(kSessionCookie));
  if (!r.ok()) {
    if (r.error().code == ErrorCode::kInvalidCredentials) app.metrics.LoginFailure();
    return Response::Problem(r.error());
  }
  Response resp = Response::Json(200, Session(app, r->state));
  resp.SetHeader("Set-Cookie", SessionCookie(r->token, app.env.pack.auth.session.absolute_hours * 3600));
  return resp;
}

Response Mfa(App& app, Call& call) {
  auto code = CodeOf(call.req);
  if (!code.ok()) return Response::Problem(code.error());
  auto r = app.auth.VerifyMfa(*call.session, *code);
  if (!r.ok()) {
    if (r.error().code == ErrorCode::kInvalidCredentials) app.metrics.LoginFailure();
    return Response::Problem(r.error());
  }
  return Renewed(app, *r);
}

Response GetSession(App& app, Call& call) { return Response::Json(200, Session(app, *call.session)); }

Response Logout(App& app, Call& call) {
  Response r = AnswerStatus(app.auth.Logout(*call.session));
  if (r.status == 204) r.SetHeader("Set-Cookie", SessionCookie("", 0));
  return r;
}

Response ChangePassword(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  // New passwords never hold control characters, so a current one with them is bad input.
  auto current = in->String("current_password", true, kCurrentPasswordInput);
  // Control characters and bad encodings are reported as password rules, by the rule check.
  auto next = in->String("new_password", true, kPasswordInput);
  in->RejectUnknown({"current_password", "new_password"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  return Answer(app.auth.ChangePassword(*call.session, *current, *next),
                [&](const domain::LoginResult& r) { return Renewed(app, r); });
}

Response StartTotp(App& app, Call& call) {
  // Replacing an authenticator that is already registered takes a current code from it, so a
  // stolen password alone cannot move someone's second factor.
  if (call.session->mfa_enrolled) {
    auto code = CodeOf(call.req);
    if (!code.ok()) return Response::Problem(code.error());
    auto verified = app.auth.ReverifyMfa(*call.session, *code);
    if (!verified.ok()) return Response::Problem(verified.error());
  } else if (!call.req.body.empty()) {
    auto in = JsonInput::Parse(call.req.body);
    if (!in.ok()) return Response::Problem(in.error());
    in->RejectUnknown({});
    if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  }
  return Answer(app.auth.StartTotp(*call.session), [](const domain::TotpEnrollment& t) {
    return Response::Json(200, {{"secret", t.secret_base32}, {"otpauth_uri", t.otpauth_uri}, {"qr_svg", t.qr_svg}});
  });
}

Response ConfirmTotp(App& app, Call& call) {
  auto code = CodeOf(call.req);
  if (!code.ok()) return Response::Problem(code.error());
  return Answer(app.auth.ConfirmTotp(*call.session, *code),
                [&](const domain::LoginResult& r) { return Renewed(app, r); });
}

Response ListMySessions(App& app, Call& call) {
  return Answer(app.auth.ListSessions(*call.session), [](const std::vector<domain::SessionSummary>& list) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : list)
      items.push_back({{"id", s.ref},
                       {"started_at", FormatRfc3339(s.started_at)},
                       {"last_seen_at", FormatRfc3339(s.last_seen_at)},
                       {"address", s.address},
                       {"user_agent", s.user_agent},
                       {"browser", BrowserLabel(s.user_agent)},
                       {"current", s.current},
                       {"mfa_passed", s.mfa_passed}});
    const auto total = items.size();
    return Response::Json(200, {{"items", std::move(items)}, {"total", total}});
  });
}

Response EndMySession(App& app, Call& call) {
  const std::string& ref = call.req.params["id"];
  Response r = AnswerStatus(app.auth.EndSession(*call.session, ref));
  if (r.status == 204 && ref == call.actor().session_ref) r.SetHeader("Set-Cookie", SessionCookie("", 0));
  return r;
}

Response EndUserSessions(App& app, Call& call) {
  return Answer(app.auth.EndUserSessions(call.actor(), call.req.params["id"]),
                [](int64_t ended) { return Response::Json(200, {{"sessions_ended", ended}}); });
}

}  // namespace mamori::api

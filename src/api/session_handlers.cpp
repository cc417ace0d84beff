#include "api/handlers.hpp"
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

// A six-digit code, or a validation error naming the field.
Result<std::string> CodeOf(const Request& req) {
  MAMORI_ASSIGN(auto in, JsonInput::Parse(req.body));
  auto code = in.String("code", true, {1, 16});
  in.RejectUnknown({"code"});
  MAMORI_TRY(in.Finish());
  return *code;
}

}  // namespace

Response Login(App& app, Call& call) {
  auto in = JsonInput::Parse(call.req.body);
  if (!in.ok()) return Response::Problem(in.error());
  // Passwords are not limited to "clean" text here: the rules decide, after the check.
  auto login_id = in->String("login_id", true, {1, 64});
  auto password = in->String("password", true, {.min_length = 1, .max_length = 4096, .verbatim = true});
  in->RejectUnknown({"login_id", "password"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  auto r = app.auth.Login(*login_id, *password, call.req.remote_address);
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
  return Response::Json(200, Session(app, *r));
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
  auto current = in->String("current_password", true, {1, 1024});
  // Control characters and bad encodings are reported as password rules, by the rule check.
  auto next = in->String("new_password", true, {.min_length = 1, .max_length = 4096, .verbatim = true});
  in->RejectUnknown({"current_password", "new_password"});
  if (auto st = in->Finish(); !st.ok()) return Response::Problem(st.error());
  return AnswerStatus(app.auth.ChangePassword(*call.session, *current, *next));
}

Response StartTotp(App& app, Call& call) {
  // Replacing an authenticator that is already registered takes a current code from it, so a
  // stolen password alone cannot move someone's second factor.
  if (call.session->mfa_enrolled) {
    auto code = CodeOf(call.req);
    if (!code.ok()) return Response::Problem(code.error());
    auto verified = app.auth.VerifyMfa(*call.session, *code);
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
  return AnswerStatus(app.auth.ConfirmTotp(*call.session, *code));
}

}  // namespace mamori::api

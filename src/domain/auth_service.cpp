#include "domain/auth_service.hpp"

#include <algorithm>

#include "auth/totp.hpp"
#include "common/crypto.hpp"
#include "common/json_input.hpp"
#include "common/net.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {
namespace {

// Touch the session row at most this often: a write per request would serialise reads.
constexpr int64_t kTouchInterval = 15 * kMicrosPerSecond;

Error InvalidCredentials() {
  return Error{ErrorCode::kInvalidCredentials, "ログインIDまたはパスワードが正しくありません", {}, {}};
}

Error Unauthenticated(std::string detail = "ログインしてください") {
  return Error{ErrorCode::kUnauthenticated, std::move(detail), {}, {}};
}

// A User-Agent as stored: printable ASCII only (anything else becomes '?'), at most 256 bytes.
std::string CleanUserAgent(const std::string& ua) {
  std::string out = ua.substr(0, 256);
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

}  // namespace

auth::PasswordRules RulesOf(const policy::PasswordPolicy& p) {
  auth::PasswordRules r;
  r.min_length = p.min_length;
  r.max_length = p.max_length;
  r.classes_required = p.classes_required;
  r.dictionary_check = p.dictionary_check;
  r.reject_login_id = p.reject_login_id;
  r.context_words = p.context_words;
  return r;
}

auth::Argon2Params Argon2Of(const policy::PasswordPolicy& p) { return {p.argon2_memory_kib, p.argon2_iterations}; }

AuthService::AuthService(Env& env) : env_(env), access_(env.pack) {
  auto h = auth::HashPassword(crypto::RandomToken(), Argon2Of(env.pack.auth.password));
  if (h.ok()) dummy_hash_ = *h;
}

std::string AuthService::EffectiveStatus(const storage::UserRecord& u, int64_t now, const std::string& today) {
  if (u.status != "active") return u.status;
  if (!u.expires_on.empty() && u.expires_on < today) return "expired";
  if (u.locked_until > now) return "locked";
  return "active";
}

Result<SessionState> AuthService::Build(storage::Connection& c, storage::SessionRecord session,
                                        storage::UserRecord user) {
  SessionState s;
  MAMORI_ASSIGN(auto roles, storage::RoleRepo(c).ListForUser(user.id));
  s.actor.roles = InForce(std::move(roles), env_.Today());
  // A delegation (代行) lasts only while the person delegated for still holds the role.
  std::vector<storage::RoleAssignmentRecord> kept;
  for (auto& r : s.actor.roles) {
    if (!r.delegate_of.empty()) {
      MAMORI_ASSIGN(auto theirs, storage::RoleRepo(c).ListForUser(r.delegate_of));
      theirs = InForce(std::move(theirs), env_.Today());
      const bool holds = std::any_of(theirs.begin(), theirs.end(), [&](const auto& p) {
        return p.role == r.role && p.scope_type == r.scope_type && p.scope_id == r.scope_id && p.delegate_of.empty();
      });
      if (!holds) continue;
    }
    kept.push_back(std::move(r));
  }
  s.actor.roles = std::move(kept);
  s.actor.user_id = user.id;
  s.actor.login_id = user.login_id;
  s.actor.session_ref = SessionRef(session.id);
  s.actor.address = session.address;
  const auto& pw = env_.pack.auth.password;
  const bool privileged = access_.Privileged(s.actor.roles);
  const bool rotation_due = privileged && pw.privileged_max_age_days > 0 &&
                            env_.clock.NowMicros() - user.password_changed_at > pw.privileged_max_age_days * kMicrosPerDay;
  s.must_change_password = user.must_change_password || rotation_due;
  switch (env_.pack.auth.mfa.required_for) {
    case policy::MfaRequirement::kAll: s.mfa_needed = true; break;
    case policy::MfaRequirement::kPrivileged: s.mfa_needed = privileged; break;
    case policy::MfaRequirement::kNone: s.mfa_needed = false; break;
  }
  s.mfa_enrolled = !user.totp_secret.empty();
  s.session = std::move(session);
  s.user = std::move(user);
  return s;
}

Status AuthService::RecordFailure(storage::UserRecord user, const std::string& login_id, const std::string& address,
                                  const std::string& reason, const std::string& action, const std::string& result,
                                  const std::string& clause, bool count_address) {
  const auto& lock = env_.pack.auth.lockout;
  return env_.db.Write([&](storage::Connection& c) -> Status {
    const int64_t now = env_.clock.NowMicros();
    audit::Event e;
    e.actor = user.id.empty() ? "-" : user.id;
    e.actor_login = login_id;
    e.address = address;
    e.action = action;
    e.target = user.id.empty() ? "-" : "user:" + user.id;
    e.result = result;
    e.clause = clause.empty() ? env_.pack.Cite(lock.clause) : clause;
    e.detail = {{"reason", reason}};
    if (count_address && env_.sign_in.throttle_failures > 0) {
      storage::LoginFailureRepo failures(c);
      MAMORI_TRY(failures.Prune(now - env_.sign_in.throttle_window_seconds * kMicrosPerSecond));
      MAMORI_TRY(failures.Record(net::ThrottleKey(address), now));
    }
    if (!user.id.empty() && user.status == "active") {
      // Re-read inside the lock: concurrent failures must all count.
      MAMORI_ASSIGN(auto fresh, storage::UserRepo(c).Get(user.id));
      if (fresh) user = *fresh;
      if (user.locked_until <= now) {
        user.failed_attempts += 1;
        if (user.failed_attempts >= lock.max_failures) {
          user.locked_until = now + lock.lock_minutes * kMicrosPerMinute;
          user.failed_attempts = 0;
          e.detail["locked_until"] = FormatRfc3339(user.locked_until);
          // The owner's live sessions stay: otherwise anyone could sign a person out by guessing
          // (kobe:8.2.5 locks the ID against sign-in, not against its owner). Half-finished
          // sign-ins that still owe the MFA code end, so guessing cannot go on in them.
          MAMORI_ASSIGN(int64_t pending, storage::SessionRepo(c).EndPendingForUser(user.id, now, "locked"));
          e.detail["pending_sessions_ended"] = pending;
        }
        MAMORI_TRY(storage::UserRepo(c).Update(user));
      }
      e.detail["failed_attempts"] = user.failed_attempts;
    }
    MAMORI_TRY(env_.log.Record(c, e));
    if (e.detail.contains("locked_until")) {
      audit::Event lockev = e;
      lockev.action = "auth.lockout";
      lockev.result = "success";
      lockev.clause = env_.pack.Cite(lock.clause);
      MAMORI_TRY(env_.log.Record(c, lockev));
    }
    return Ok();
  });
}

Status AuthService::CheckThrottle(const std::string& address) {
  const auto& si = env_.sign_in;
  if (si.throttle_failures <= 0) return Ok();
  const int64_t now = env_.clock.NowMicros();
  const int64_t window = si.throttle_window_seconds * kMicrosPerSecond;
  MAMORI_ASSIGN(auto times, env_.db.Read([&](storage::Connection& c) {
    return storage::LoginFailureRepo(c).Since(net::ThrottleKey(address), now - window);
  }));
  const auto n = static_cast<int64_t>(times.size());
  if (n < si.throttle_failures) return Ok();
  // Allowed again once enough of the failures have left the window to bring the count below
  // the limit: when the (n - limit + 1)-th oldest one does.
  const int64_t until = times[static_cast<size_t>(n - si.throttle_failures)] + window;
  const int64_t seconds = std::max<int64_t>(1, (until - now + kMicrosPerSecond - 1) / kMicrosPerSecond);
  Error e{ErrorCode::kRateLimited,
          "この接続元からのログインの失敗が多いため、ログインを一時的に制限しています。" + std::to_string(seconds) +
              " 秒後にもう一度お試しください",
          env_.pack.Cite(env_.pack.auth.lockout.clause),
          {}};
  e.retry_after_seconds = seconds;
  return e;
}

Result<LoginResult> AuthService::Renew(storage::Connection& c, const SessionState& s, const storage::UserRecord& user,
                                       bool mfa_passed, const std::string& reason) {
  const int64_t now = env_.clock.NowMicros();
  LoginResult out;
  out.token = crypto::RandomToken(32);
  storage::SessionRecord next = s.session;
  next.id = crypto::Sha256Hex(out.token);
  next.csrf_token = crypto::RandomToken(32);
  next.last_seen_at = now;
  next.mfa_passed = mfa_passed;
  next.ended_at = 0;
  next.end_reason.clear();
  // Start and absolute limit stay those of the sign-in: renewing never extends a session.
  MAMORI_TRY(storage::SessionRepo(c).End(s.session.id, now, reason));
  MAMORI_TRY(storage::SessionRepo(c).Insert(next));
  MAMORI_ASSIGN(out.state, Build(c, next, user));
  out.state.actor.address = s.actor.address;
  return out;
}

Result<LoginResult> AuthService::Login(const std::string& login_id, const std::string& password,
                                       const std::string& address, const std::string& user_agent,
                                       const std::string& presented_token) {
  // Spraying is refused before the hash: no CPU spent, no account's count touched.
  MAMORI_TRY(CheckThrottle(address));
  // Login IDs are case-insensitive (stored lower-case). The slow hash runs outside any
  // transaction so logins proceed in parallel.
  const std::string key = AsciiLower(login_id);
  MAMORI_ASSIGN(auto found, env_.db.Read([&](storage::Connection& c) { return storage::UserRepo(c).FindByLogin(key); }));
  if (!found || found->password_hash.empty()) {
    (void)auth::VerifyPassword(dummy_hash_, password);
    MAMORI_TRY(RecordFailure({}, login_id, address, found ? "deleted" : "unknown_id", "auth.login", "failure", {}, true));
    return InvalidCredentials();
  }
  storage::UserRecord user = *found;
  const bool password_ok = auth::VerifyPassword(user.password_hash, password);
  const int64_t now = env_.clock.NowMicros();
  const std::string status = EffectiveStatus(user, now, env_.Today());
  if (status != "active") {
    MAMORI_TRY(RecordFailure(user, login_id, address, status, "auth.login", "failure", {}, true));
    return InvalidCredentials();
  }
  if (!password_ok) {
    MAMORI_TRY(RecordFailure(user, login_id, address, "wrong_password", "auth.login", "failure", {}, true));
    return InvalidCredentials();
  }

  LoginResult out;
  out.token = crypto::RandomToken(32);
  auto result = env_.db.Write([&](storage::Connection& c) -> Result<SessionState> {
    storage::UserRepo users(c);
    MAMORI_ASSIGN(auto fresh, users.Get(user.id));
    // The account changed while we hashed (suspended, reset, locked): refuse.
    if (!fresh || fresh->password_hash != user.password_hash ||
        EffectiveStatus(*fresh, now, env_.Today()) != "active")
      return InvalidCredentials();
    storage::UserRecord u = *fresh;
    u.failed_attempts = 0;
    u.locked_until = 0;
    u.last_login_at = now;
    u.last_login_address = address;
    if (auth::NeedsRehash(u.password_hash, Argon2Of(env_.pack.auth.password))) {
      if (auto h = auth::HashPassword(password, Argon2Of(env_.pack.auth.password)); h.ok()) u.password_hash = *h;
    }
    MAMORI_TRY(users.Update(u));
    storage::SessionRecord s;
    s.id = crypto::Sha256Hex(out.token);
    s.user_id = u.id;
    s.csrf_token = crypto::RandomToken(32);
    s.created_at = now;
    s.last_seen_at = now;
    s.expires_at = now + env_.pack.auth.session.absolute_hours * kMicrosPerHour;
    s.address = address;
    s.user_agent = CleanUserAgent(user_agent);
    s.prev_login_at = fresh->last_login_at;
    s.prev_login_address = fresh->last_login_address;
    MAMORI_ASSIGN(SessionState st, Build(c, s, u));
    st.session.mfa_passed = !st.mfa_needed;
    MAMORI_TRY(storage::SessionRepo(c).Insert(st.session));
    audit::Event e = st.actor.Event("auth.login", "user:" + u.id);
    e.clause = env_.pack.Cite(env_.pack.auth.lockout.clause);
    e.detail = {{"mfa_pending", st.MfaPending()}, {"must_change_password", st.must_change_password}};
    // The session this browser held before (of whoever) ends: one browser, one live token.
    if (!presented_token.empty() && presented_token.size() <= 128) {
      const std::string old_id = crypto::Sha256Hex(presented_token);
      MAMORI_ASSIGN(auto old, storage::SessionRepo(c).Get(old_id));
      if (old && old->ended_at == 0) {
        MAMORI_TRY(storage::SessionRepo(c).End(old_id, now, "replaced"));
        e.detail["replaced_session"] = SessionRef(old_id);
      }
    }
    MAMORI_TRY(env_.log.Record(c, e));
    return st;
  });
  if (!result.ok()) return std::move(result).error();
  out.state = std::move(result).value();
  return out;
}

Result<SessionState> AuthService::Authenticate(const std::string& token, const std::string& address) {
  if (token.empty() || token.size() > 128) return Unauthenticated();
  const std::string id = crypto::Sha256Hex(token);
  const int64_t now = env_.clock.NowMicros();
  const auto& sp = env_.pack.auth.session;
  std::string expired_reason;
  auto r = env_.db.Read([&](storage::Connection& c) -> Result<SessionState> {
    MAMORI_ASSIGN(auto s, storage::SessionRepo(c).Get(id));
    if (!s || s->ended_at != 0) return Unauthenticated();
    if (now >= s->expires_at) expired_reason = "absolute_timeout";
    else if (now - s->last_seen_at > sp.idle_minutes * kMicrosPerMinute) expired_reason = "idle_timeout";
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(s->user_id));
    if (!u) return Unauthenticated();
    const std::string status = EffectiveStatus(*u, now, env_.Today());
    // A lockout bars new sign-ins; the owner's sessions that passed MFA go on.
    const bool lock_only = status == "locked" && s->mfa_passed;
    if (expired_reason.empty() && status != "active" && !lock_only) expired_reason = "account_inactive";
    if (!expired_reason.empty()) return Unauthenticated();
    if (now - s->last_seen_at > kTouchInterval) {
      MAMORI_TRY(storage::SessionRepo(c).Touch(id, now));
      s->last_seen_at = now;
    }
    MAMORI_ASSIGN(auto st, Build(c, *s, *u));
    st.actor.address = address;
    return st;
  });
  if (!expired_reason.empty()) {
    // End the session for good and record why (kobe:8.2.5 timeouts).
    (void)env_.db.Write([&](storage::Connection& c) -> Status {
      MAMORI_TRY(storage::SessionRepo(c).End(id, now, expired_reason));
      audit::Event e;
      e.session = SessionRef(id);
      e.address = address;
      e.action = "auth.session_end";
      e.target = "session:" + SessionRef(id);
      e.clause = env_.pack.Cite(sp.clause);
      e.detail = {{"reason", expired_reason}};
      return env_.log.Record(c, e);
    });
    return Unauthenticated(expired_reason == "idle_timeout" ? "一定時間操作がなかったため、ログアウトしました"
                                                             : "セッションの有効期限が切れました");
  }
  return r;
}

Result<int64_t> AuthService::CheckCode(const SessionState& s, const std::string& code) {
  if (!s.mfa_enrolled)
    return Error{ErrorCode::kMfaRequired, "多要素認証の登録が必要です", env_.pack.Cite(env_.pack.auth.mfa.clause), {}};
  MAMORI_ASSIGN(std::string secret, OpenTotp(*env_.sealer, s.user.totp_secret, s.user.id));
  auto step = auth::VerifyTotp(secret, code, env_.clock.NowSeconds(), s.user.totp_last_step);
  if (!step) {
    // A refused second factor: denied under the MFA clause, and counted towards the lockout.
    MAMORI_TRY(RecordFailure(s.user, s.user.login_id, s.actor.address, "wrong_totp", "auth.mfa", "denied",
                             env_.pack.Cite(env_.pack.auth.mfa.clause)));
    return InvalidCredentials();
  }
  return *step;
}

Result<LoginResult> AuthService::VerifyMfa(const SessionState& s, const std::string& code) {
  MAMORI_ASSIGN(int64_t step, CheckCode(s, code));
  return env_.db.Write([&](storage::Connection& c) -> Result<LoginResult> {
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(s.user.id));
    // Re-check inside the lock: a code is accepted once, even by two racing requests.
    if (!u || u->totp_last_step >= step) return InvalidCredentials();
    u->totp_last_step = step;
    u->failed_attempts = 0;
    MAMORI_TRY(storage::UserRepo(c).Update(*u));
    MAMORI_ASSIGN(LoginResult out, Renew(c, s, *u, true, "renewed"));
    audit::Event e = out.state.actor.Event("auth.mfa", "user:" + u->id);
    e.clause = env_.pack.Cite(env_.pack.auth.mfa.clause);
    e.detail = {{"renewed_from", s.actor.session_ref}};
    MAMORI_TRY(env_.log.Record(c, e));
    return out;
  });
}

Status AuthService::ReverifyMfa(const SessionState& s, const std::string& code) {
  MAMORI_ASSIGN(int64_t step, CheckCode(s, code));
  return env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(s.user.id));
    if (!u || u->totp_last_step >= step) return InvalidCredentials();
    u->totp_last_step = step;
    return storage::UserRepo(c).Update(*u);
  });
}

Status AuthService::Logout(const SessionState& s) {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    const int64_t now = env_.clock.NowMicros();
    MAMORI_TRY(storage::SessionRepo(c).End(s.session.id, now, "logout"));
    return env_.log.Record(c, s.actor.Event("auth.logout", "session:" + s.actor.session_ref));
  });
}

Result<LoginResult> AuthService::ChangePassword(const SessionState& s, const std::string& current,
                                                const std::string& next) {
  const auto& pw = env_.pack.auth.password;
  Error rejected{ErrorCode::kPasswordRejected, "新しいパスワードは規則を満たしていません", env_.pack.Cite(pw.clause), {}};
  if (!auth::VerifyPassword(s.user.password_hash, current)) {
    MAMORI_TRY(RecordFailure(s.user, s.user.login_id, s.actor.address, "wrong_current_password", "user.password_change"));
    rejected.detail = "現在のパスワードが正しくありません";
    rejected.fields.push_back({"current_password", "wrong_current_password"});
    return rejected;
  }
  auth::PasswordRules rules = RulesOf(pw);
  rules.breached = env_.sign_in.breached;
  rejected.fields = auth::CheckPassword(rules, next, s.user.login_id, current);
  // No reuse of the current password or the last N (kobe:8.2.6エ).
  MAMORI_ASSIGN(auto history, env_.db.Read([&](storage::Connection& c) {
    return storage::UserRepo(c).RecentPasswordHashes(s.user.id, pw.history);
  }));
  history.push_back(s.user.password_hash);
  for (const auto& h : history) {
    if (auth::VerifyPassword(h, next)) {
      rejected.fields.push_back({"new_password", "reused"});
      break;
    }
  }
  if (!rejected.fields.empty()) {
    (void)env_.db.Write([&](storage::Connection& c) -> Status {
      audit::Event e = s.actor.Event("user.password_change", "user:" + s.user.id);
      e.result = "failure";
      e.clause = rejected.clause;
      auto codes = nlohmann::json::array();
      for (const auto& f : rejected.fields) codes.push_back(f.code);
      e.detail = {{"rules_broken", codes}};
      return env_.log.Record(c, e);
    });
    return rejected;
  }
  MAMORI_ASSIGN(std::string hash, auth::HashPassword(next, Argon2Of(pw)));
  return env_.db.Write([&](storage::Connection& c) -> Result<LoginResult> {
    storage::UserRepo users(c);
    MAMORI_ASSIGN(auto u, users.Get(s.user.id));
    if (!u || u->password_hash != s.user.password_hash) return Error::Conflict("パスワードは既に変更されています");
    const int64_t now = env_.clock.NowMicros();
    MAMORI_TRY(users.AddPasswordHistory(u->id, u->password_hash, now));
    u->password_hash = hash;
    u->password_changed_at = now;
    u->must_change_password = false;
    MAMORI_TRY(users.Update(*u));
    // Other sessions of this user end: whoever knew the old password is out.
    MAMORI_TRY(storage::SessionRepo(c).EndOthersForUser(u->id, s.session.id, now, "password_changed"));
    // And this one continues under a new token.
    MAMORI_ASSIGN(LoginResult out, Renew(c, s, *u, s.session.mfa_passed, "renewed"));
    audit::Event e = out.state.actor.Event("user.password_change", "user:" + u->id);
    e.clause = env_.pack.Cite(pw.clause);
    e.detail = {{"renewed_from", s.actor.session_ref}};
    MAMORI_TRY(env_.log.Record(c, e));
    return out;
  });
}

Result<TotpEnrollment> AuthService::StartTotp(const SessionState& s) {
  const std::string secret = auth::NewTotpSecret();
  MAMORI_ASSIGN(std::string sealed, env_.sealer->Seal(secret, TotpPlace(s.user.id)));
  TotpEnrollment out;
  out.secret_base32 = auth::Base32Encode(secret);
  out.otpauth_uri = auth::OtpauthUri("mamori (" + env_.pack.pack + ")", s.user.login_id, out.secret_base32);
  MAMORI_ASSIGN(out.qr_svg, auth::QrSvg(out.otpauth_uri));
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(s.user.id));
    if (!u) return Error::NotFound("利用者");
    u->totp_pending = sealed;
    MAMORI_TRY(storage::UserRepo(c).Update(*u));
    audit::Event e = s.actor.Event("mfa.totp_enroll_start", "user:" + u->id);
    e.clause = env_.pack.Cite(env_.pack.auth.mfa.clause);
    return env_.log.Record(c, e);
  }));
  return out;
}

Result<LoginResult> AuthService::ConfirmTotp(const SessionState& s, const std::string& code) {
  MAMORI_ASSIGN(auto u0, env_.db.Read([&](storage::Connection& c) { return storage::UserRepo(c).Get(s.user.id); }));
  if (!u0 || u0->totp_pending.empty())
    return Error::Validation("code", "no_pending_enrollment", "先に認証アプリの登録を開始してください");
  MAMORI_ASSIGN(std::string secret, OpenTotp(*env_.sealer, u0->totp_pending, s.user.id));
  auto step = auth::VerifyTotp(secret, code, env_.clock.NowSeconds(), u0->totp_last_step);
  if (!step) {
    MAMORI_TRY(RecordFailure(*u0, u0->login_id, s.actor.address, "wrong_totp", "mfa.totp_enroll_confirm"));
    return Error::Validation("code", "wrong_code", "確認コードが正しくありません");
  }
  return env_.db.Write([&](storage::Connection& c) -> Result<LoginResult> {
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(s.user.id));
    if (!u || u->totp_pending != u0->totp_pending || u->totp_last_step >= *step)
      return Error::Conflict("登録状態が変わりました。もう一度やり直してください");
    u->totp_secret = u->totp_pending;
    u->totp_pending.clear();
    u->totp_last_step = *step;
    MAMORI_TRY(storage::UserRepo(c).Update(*u));
    // The first code passes MFA for this session: a step up, so a new token.
    MAMORI_ASSIGN(LoginResult out, Renew(c, s, *u, true, "renewed"));
    audit::Event e = out.state.actor.Event("mfa.totp_enroll_confirm", "user:" + u->id);
    e.clause = env_.pack.Cite(env_.pack.auth.mfa.clause);
    e.detail = {{"renewed_from", s.actor.session_ref}};
    MAMORI_TRY(env_.log.Record(c, e));
    return out;
  });
}

Result<std::vector<SessionSummary>> AuthService::ListSessions(const SessionState& s) {
  const int64_t now = env_.clock.NowMicros();
  const int64_t idle = env_.pack.auth.session.idle_minutes * kMicrosPerMinute;
  MAMORI_ASSIGN(auto rows, env_.db.Read([&](storage::Connection& c) {
    return storage::SessionRepo(c).ListLive(s.user.id, now);
  }));
  std::vector<SessionSummary> out;
  for (const auto& r : rows) {
    if (now - r.last_seen_at > idle && r.id != s.session.id) continue;  // idle: ends when next presented
    out.push_back({.ref = SessionRef(r.id),
                   .started_at = r.created_at,
                   .last_seen_at = r.last_seen_at,
                   .address = r.address,
                   .user_agent = r.user_agent,
                   .current = r.id == s.session.id,
                   .mfa_passed = r.mfa_passed});
  }
  return out;
}

Status AuthService::EndSession(const SessionState& s, const std::string& ref) {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    const int64_t now = env_.clock.NowMicros();
    MAMORI_ASSIGN(auto rows, storage::SessionRepo(c).ListLive(s.user.id, now));
    auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return SessionRef(r.id) == ref; });
    if (ref.empty() || it == rows.end()) return Error::NotFound("セッション");
    const bool current = it->id == s.session.id;
    MAMORI_TRY(storage::SessionRepo(c).End(it->id, now, current ? "logout" : "ended_by_owner"));
    audit::Event e = s.actor.Event(current ? "auth.logout" : "auth.session_end", "session:" + ref);
    e.clause = env_.pack.Cite(env_.pack.auth.session.clause);
    e.detail = {{"reason", current ? "logout" : "ended_by_owner"}};
    return env_.log.Record(c, e);
  });
}

Result<int64_t> AuthService::EndUserSessions(const Actor& a, const std::string& user_id) {
  return env_.db.Write([&](storage::Connection& c) -> Result<int64_t> {
    MAMORI_ASSIGN(auto u, storage::UserRepo(c).Get(user_id));
    // As for every other change to a user: out of sight is not found, in sight but not
    // manageable is forbidden (the same rule as DirectoryService's).
    if (!u) return Error::NotFound("利用者");
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    if (!access_.Units(a, perm::kUsersManage, tree).Covers(u->org_unit_id)) {
      if (access_.Units(a, perm::kUsersRead, tree).Covers(u->org_unit_id) || u->id == a.user_id)
        return Error::Forbidden();
      return Error::NotFound("利用者");
    }
    const int64_t now = env_.clock.NowMicros();
    MAMORI_ASSIGN(int64_t ended, storage::SessionRepo(c).EndAllForUser(u->id, now, "ended_by_admin"));
    audit::Event e = a.Event("user.sessions_end", "user:" + u->id);
    e.clause = env_.pack.Cite(env_.pack.auth.session.clause);
    e.detail = {{"login_id", u->login_id}, {"sessions_ended", ended}};
    MAMORI_TRY(env_.log.Record(c, e));
    return ended;
  });
}

}  // namespace mamori::domain

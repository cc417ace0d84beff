// Sign-in and the session: password check with lockout, MFA (TOTP), forced password change,
// idle and absolute timeouts, logout everywhere. Every attempt, good or bad, is logged.
#pragma once

#include <string>

#include "auth/password_hash.hpp"
#include "auth/password_rules.hpp"
#include "domain/access.hpp"
#include "domain/env.hpp"
#include "storage/records.hpp"

namespace mamori::domain {

struct SessionState {
  storage::SessionRecord session;
  storage::UserRecord user;
  Actor actor;
  bool must_change_password = false;
  bool mfa_needed = false;   // the pack requires MFA for this user
  bool mfa_enrolled = false;
  bool MfaPending() const { return mfa_needed && !session.mfa_passed; }
};

struct LoginResult {
  std::string token;  // the cookie value; only its SHA-256 is stored
  SessionState state;  // state.session carries the previous sign-in (0 = first login)
};

// One of a person's live sessions, as they see it in "my sessions" (never the token).
struct SessionSummary {
  std::string ref;  // the short reference the log uses; the id for ending it
  int64_t started_at = 0;
  int64_t last_seen_at = 0;
  std::string address;
  std::string user_agent;
  bool current = false;     // the session asking
  bool mfa_passed = false;  // false: signed in with the password only, a step still owed
};

struct TotpEnrollment {
  std::string secret_base32;
  std::string otpauth_uri;
  std::string qr_svg;
};

// Pack rules in the auth library's terms.
auth::PasswordRules RulesOf(const policy::PasswordPolicy& p);
auth::Argon2Params Argon2Of(const policy::PasswordPolicy& p);

class AuthService {
 public:
  explicit AuthService(Env& env);

  // 401 invalid_credentials alike for a wrong password, an unknown ID and a locked, suspended,
  // expired or deleted account (kobe:8.2.5). Before any of that, 429 rate_limited (with
  // retry_after_seconds) once the client address has failed env.sign_in.throttle_failures
  // times within the window, across accounts: the password is not even checked then, and the
  // refusal counts towards no account's lockout. `user_agent` is kept for "my sessions";
  // `presented_token` is the session cookie the browser still held, ended on success.
  Result<LoginResult> Login(const std::string& login_id, const std::string& password, const std::string& address,
                            const std::string& user_agent = {}, const std::string& presented_token = {});
  // Resolves a cookie token; 401 unauthenticated when missing, ended, idle or past its limit,
  // or when the account is suspended, expired or deleted. A lockout ends only sessions that
  // have not passed MFA: an attacker's guesses never sign the owner out.
  Result<SessionState> Authenticate(const std::string& token, const std::string& address);

  // The steps up — the MFA code, TOTP enrolment, a password change — each renew the session:
  // a new token and CSRF token, the old token dead at once (same start and absolute limit).
  // A wrong code is logged as auth.mfa with result denied and the MFA clause.
  Result<LoginResult> VerifyMfa(const SessionState& s, const std::string& code);
  // A current code from an enrolled authenticator, without a step up (replacing it).
  Status ReverifyMfa(const SessionState& s, const std::string& code);
  Status Logout(const SessionState& s);
  Result<LoginResult> ChangePassword(const SessionState& s, const std::string& current, const std::string& next);
  Result<TotpEnrollment> StartTotp(const SessionState& s);
  Result<LoginResult> ConfirmTotp(const SessionState& s, const std::string& code);

  // "My sessions": the person's live sessions, newest first; ending one by its reference is
  // logged (auth.session_end); ending the current one is a logout. 404 for a reference that
  // names none of their live sessions.
  Result<std::vector<SessionSummary>> ListSessions(const SessionState& s);
  Status EndSession(const SessionState& s, const std::string& ref);
  // An administrator ends every session of a user (users.manage over the user's unit); the
  // number ended. 404 out of sight, 403 seen but not manageable; logged as user.sessions_end.
  Result<int64_t> EndUserSessions(const Actor& a, const std::string& user_id);

  // A short, non-secret reference to a session for the operation log.
  static std::string SessionRef(const std::string& session_id) { return session_id.substr(0, 12); }
  // The user's effective status: active, locked, suspended, expired or deleted.
  static std::string EffectiveStatus(const storage::UserRecord& u, int64_t now, const std::string& today);

 private:
  Result<SessionState> Build(storage::Connection& c, storage::SessionRecord session, storage::UserRecord user);
  // Logs a failed attempt and counts it towards the account's lockout (and, for a sign-in,
  // the address's throttle). `result` and `clause` default to failure under the lockout clause.
  Status RecordFailure(storage::UserRecord user, const std::string& login_id, const std::string& address,
                       const std::string& reason, const std::string& action, const std::string& result = "failure",
                       const std::string& clause = {}, bool count_address = false);
  // 429 when the address is over the throttle; Ok otherwise.
  Status CheckThrottle(const std::string& address);
  // Checks a TOTP code and consumes its step inside the caller's transaction; the step.
  Result<int64_t> CheckCode(const SessionState& s, const std::string& code);
  // Replaces s's session by a new one (new token and CSRF token) inside the transaction.
  Result<LoginResult> Renew(storage::Connection& c, const SessionState& s, const storage::UserRecord& user,
                            bool mfa_passed, const std::string& reason);

  Env& env_;
  Access access_;
  std::string dummy_hash_;  // verified against for unknown IDs so timing does not reveal them
};

}  // namespace mamori::domain

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
  // expired or deleted account (kobe:8.2.5).
  Result<LoginResult> Login(const std::string& login_id, const std::string& password, const std::string& address);
  // Resolves a cookie token; 401 unauthenticated when missing, ended, idle or past its limit.
  Result<SessionState> Authenticate(const std::string& token, const std::string& address);
  Result<SessionState> VerifyMfa(const SessionState& s, const std::string& code);
  Status Logout(const SessionState& s);
  Status ChangePassword(const SessionState& s, const std::string& current, const std::string& next);
  Result<TotpEnrollment> StartTotp(const SessionState& s);
  Status ConfirmTotp(const SessionState& s, const std::string& code);

  // A short, non-secret reference to a session for the operation log.
  static std::string SessionRef(const std::string& session_id) { return session_id.substr(0, 12); }
  // The user's effective status: active, locked, suspended, expired or deleted.
  static std::string EffectiveStatus(const storage::UserRecord& u, int64_t now, const std::string& today);

 private:
  Result<SessionState> Build(storage::Connection& c, storage::SessionRecord session, storage::UserRecord user);
  Status RecordFailure(storage::UserRecord user, const std::string& login_id, const std::string& address,
                       const std::string& reason, const std::string& action);

  Env& env_;
  Access access_;
  std::string dummy_hash_;  // verified against for unknown IDs so timing does not reveal them
};

}  // namespace mamori::domain

// What every domain service needs: the database, the active policy pack, the operation log,
// the clock and the sealer (the data key ring, docs/sealing.md). Built once by main and shared read-only.
#pragma once

#include <memory>
#include <string>

#include "audit/operation_log.hpp"
#include "auth/password_rules.hpp"
#include "common/time.hpp"
#include "domain/sealer.hpp"
#include "policy/pack.hpp"
#include "storage/db.hpp"

namespace mamori::domain {

// Deployment settings of sign-in (from the configuration, not the pack).
struct SignInSettings {
  // Failed sign-ins one client address may make within the window before it is refused with
  // rate_limited (across accounts: password spraying); 0 = no limit.
  int throttle_failures = 50;
  int throttle_window_seconds = 900;
  // The breached-password list new passwords are checked against; nullptr = none.
  std::shared_ptr<const auth::BreachedPasswords> breached;
};

// notify (issue 9): what the notifier needs of the deployment (docs/notifications.md).
struct NotifySettings {
  bool mail = false;       // an SMTP relay is configured: users with an e-mail address are mailed
  std::string public_url;  // "https://host" the e-mailed {{link}} starts with; "" = the path alone
  std::string mail_domain = "mamori.invalid";  // the right-hand side of each Message-ID
};

struct Env {
  storage::Database& db;
  const policy::PolicyPack& pack;
  audit::OperationLog& log;
  const Clock& clock;
  // Seals what is stored encrypted: TOTP secrets always, and the fields the pack's `sealing:`
  // names. Never null.
  std::shared_ptr<Sealer> sealer;
  SignInSettings sign_in = {};
  NotifySettings notify = {};  // notify (issue 9)

  std::string Today() const { return FormatDate(JstDate(clock.NowMicros())); }
};

// A new opaque id: 16 random bytes as 32 hex digits.
std::string NewId();

}  // namespace mamori::domain

// Test support for domain services: a migrated SQLite database, the Kobe pack (adjustable),
// a manual clock, a city with two bureaus, and an administrator actor.
#pragma once

#include <cstdlib>
#include <memory>

#include "audit/operation_log.hpp"
#include "common/crypto.hpp"
#include "domain/access.hpp"
#include "domain/directory_service.hpp"
#include "audit/actions.hpp"
#include "domain/env.hpp"
#include "policy/pack.hpp"
#include "storage/repos.hpp"
#include "storage/test_db.hpp"

namespace mamori::domain::testing {

inline policy::PolicyPack KobePack() {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  auto pack = policy::LoadPackFile(std::string(src ? src : ".") + "/policy/kobe.yaml");
  if (!pack.ok()) std::abort();
  // Tests hash many passwords: cheap Argon2id parameters keep them fast.
  pack->auth.password.argon2_memory_kib = 64;
  pack->auth.password.argon2_iterations = 1;
  return *pack;
}

struct TestEnv {
  explicit TestEnv(policy::PolicyPack p = KobePack(), std::string engine = "sqlite")
      : tdb(engine), pack(std::move(p)), clock(1'790'000'000'000'000 /* 2026-09 */) {
    auto kp = crypto::GenerateEcP256();
    log = std::make_unique<audit::OperationLog>(clock, audit::SigningKey{"", kp->private_pem, kp->public_pem});
    env = std::make_unique<Env>(Env{*tdb.db(), pack, *log, clock, Sealer::WithKey(crypto::RandomBytes(32))});
    (void)tdb.db()->Write([&](storage::Connection& c) -> Status {
      // Entry 1 of every log is the init entry, as `mamori init` writes it.
      audit::Event init;
      init.actor = init.actor_login = "system";
      init.action = audit::action::kSystemInit;
      MAMORI_TRY(log->Record(c, init));
      storage::OrgRepo o(c);
      MAMORI_TRY(o.Insert({city, "city", "テスト市", "city", "", "", "", 1}));
      MAMORI_TRY(o.Insert({bureau_a, "a", "A局", "bureau", city, "", "", 1}));
      MAMORI_TRY(o.Insert({section_a, "a1", "A課", "section", bureau_a, "", "", 1}));
      MAMORI_TRY(o.Insert({bureau_b, "b", "B局", "bureau", city, "", "", 1}));
      return o.Insert({section_b, "b1", "B課", "section", bureau_b, "", "", 1});
    });
    admin.user_id = "admin-id";
    admin.login_id = "admin";
    admin.roles = {{"r-admin", "admin-id", "infrastructure_manager", "city", "", "", "", "", 1, "system", 0, ""}};
  }

  // Creates a user with a known password, as the CLI does.
  storage::UserRecord AddUser(const std::string& login, const std::string& unit, const std::string& password,
                              const std::string& employment = "regular", const std::string& expires = "") {
    DirectoryService dir(*env);
    auto r = tdb.db()->Write([&](storage::Connection& c) {
      return dir.CreateUserAsSystem(c, {login, "名前", unit, employment, expires}, password);
    });
    if (!r.ok()) std::abort();
    return r->user;
  }

  Status Grant(const std::string& user_id, const std::string& role, const std::string& scope_type,
               const std::string& scope_id) {
    return tdb.db()->Write([&](storage::Connection& c) {
      return storage::RoleRepo(c).Insert({NewId(), user_id, role, scope_type, scope_id, "", "", "", 1, "t", 0, ""});
    });
  }

  audit::VerifyReport VerifyLog() {
    return *tdb.db()->Read([&](storage::Connection& c) { return log->Verify(c); });
  }

  int64_t LogHead() {
    return tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).Head(); })->first;
  }

  storage::TestDatabase tdb;
  policy::PolicyPack pack;
  ManualClock clock;
  std::unique_ptr<audit::OperationLog> log;
  std::unique_ptr<Env> env;
  const std::string city = "c0000000000000000000000000000000";
  const std::string bureau_a = "a0000000000000000000000000000000";
  const std::string section_a = "a1000000000000000000000000000000";
  const std::string bureau_b = "b0000000000000000000000000000000";
  const std::string section_b = "b1000000000000000000000000000000";
  Actor admin;
};

}  // namespace mamori::domain::testing

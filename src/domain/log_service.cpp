#include "domain/log_service.hpp"

namespace mamori::domain {

Result<LogPage> LogService::List(const Actor& a, storage::LogFilter f, const storage::Page& page, bool for_export,
                                 bool english) {
  if (!access_.Has(a, "audit.read")) return Error::Forbidden();
  MAMORI_ASSIGN(auto listed, env_.db.Read([&](storage::Connection& c) -> Result<LogPage> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, "audit.read", tree);
    if (!scope.all) {
      storage::UserFilter uf;
      uf.restrict_units = true;
      uf.org_unit_ids.assign(scope.units.begin(), scope.units.end());
      MAMORI_ASSIGN(auto users, storage::UserRepo(c).List(uf, {1, 1000000}));
      f.restrict_actors = true;
      for (const auto& u : users) f.actor_ids.push_back(u.id);
    }
    storage::AuditRepo repo(c);
    MAMORI_ASSIGN(auto items, repo.List(f, page));
    MAMORI_ASSIGN(int64_t total, repo.Count(f));
    // Names for the whole page at once, as far as the reader may see each object.
    MAMORI_ASSIGN(auto described, LogNames(env_, assets_, systems_).Describe(c, a, tree, std::move(items), english));
    return LogPage{std::move(described), total};
  }));
  if (for_export) {
    // Taking the log out of the system is recorded (kobe:8.1.7).
    MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
      audit::Event e = a.Event("audit.export", "audit_log");
      e.clause = env_.pack.CiteFor("operation_log");
      e.detail = {{"rows", listed.items.size()}, {"action", f.action}, {"actor", f.actor}};
      if (!f.result.empty()) e.detail["result"] = f.result;
      if (!f.target_type.empty()) e.detail["target_type"] = f.target_type;
      return env_.log.Record(c, e);
    }));
  }
  return listed;
}

Result<audit::VerifyReport> LogService::Verify(const Actor& a) {
  if (!access_.Has(a, "audit.verify")) return Error::Forbidden();
  MAMORI_ASSIGN(auto report, env_.db.Read([&](storage::Connection& c) { return env_.log.Verify(c); }));
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    audit::Event e = a.Event("audit.verify", "audit_log");
    e.clause = env_.pack.CiteFor("operation_log");
    e.result = report.ok ? "success" : "failure";
    e.detail = {{"ok", report.ok}, {"entries", report.entries}, {"first_bad_seq", report.first_bad_seq}};
    return env_.log.Record(c, e);
  }));
  return report;
}

}  // namespace mamori::domain

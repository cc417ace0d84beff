#include "domain/log_service.hpp"

#include "audit/actions.hpp"

namespace mamori::domain {

Result<LogPage> LogService::List(const Actor& a, storage::LogFilter f, const storage::Page& page, bool for_export,
                                 bool english) {
  if (!access_.Has(a, perm::kAuditRead)) return Error::Forbidden();
  MAMORI_ASSIGN(auto listed, env_.db.Read([&](storage::Connection& c) -> Result<LogPage> {
    MAMORI_ASSIGN(auto tree, OrgTree::Load(c));
    const UnitScope scope = access_.Units(a, perm::kAuditRead, tree);
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
    MAMORI_ASSIGN(auto described, LogNames(env_, assets_, registers_).Describe(c, a, tree, std::move(items), english));
    return LogPage{std::move(described), total};
  }));
  if (for_export) {
    // Taking the log out of the system is recorded (kobe:8.1.7).
    MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
      audit::Event e = a.Event(audit::action::kAuditExport, "audit_log");
      e.clause = env_.pack.CiteFor("operation_log");
      e.detail = {{"rows", listed.items.size()}, {"action", f.action}, {"actor", f.actor}};
      if (!f.result.empty()) e.detail["result"] = f.result;
      if (!f.target_type.empty()) e.detail["target_type"] = f.target_type;
      return env_.log.Record(c, e);
    }));
  }
  return listed;
}

Result<ChainExport> LogService::ExportChain(const Actor& a, int64_t from_seq, int64_t limit,
                                            const std::string& format) {
  // The whole chain names every actor: only a city-wide reader takes it out.
  if (!access_.HasCityWide(a, perm::kAuditRead)) return Error::Forbidden();
  ChainExport out;
  out.key_id = env_.log.key().key_id;
  out.public_pem = env_.log.key().public_pem;
  out.exported_at = env_.clock.NowMicros();
  MAMORI_TRY(env_.db.Read([&](storage::Connection& c) -> Status {
    storage::AuditRepo repo(c);
    MAMORI_ASSIGN(auto head, repo.Head());
    out.head_seq = head.first;
    out.head_hash = head.second;
    MAMORI_TRY(repo.Scan(from_seq, limit, [&](storage::LogEntryRecord&& e) { out.entries.push_back(std::move(e)); }));
    MAMORI_ASSIGN(auto cps, repo.Checkpoints());
    const int64_t last = out.entries.empty() ? from_seq - 1 : out.entries.back().seq;
    for (auto& cp : cps)
      if (cp.seq >= from_seq && cp.seq <= last) out.checkpoints.push_back(std::move(cp));
    return Ok();
  }));
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    audit::Event e = a.Event(audit::action::kAuditExport, "audit_log");
    e.clause = env_.pack.CiteFor("operation_log");
    e.detail = {{"rows", out.entries.size()}, {"format", format}, {"from_seq", from_seq}, {"for", "verify"}};
    return env_.log.Record(c, e);
  }));
  return out;
}

Result<audit::VerifyReport> LogService::RunVerify(bool tail_only) {
  audit::WitnessFile witness;
  audit::VerifyInput in;
  in.tail_only = tail_only;
  if (!witness_dir_.empty()) {
    MAMORI_ASSIGN(witness, audit::ReadWitness(witness_dir_));
    in.witness = &witness;
  }
  MAMORI_ASSIGN(auto report, env_.db.Read([&](storage::Connection& c) { return env_.log.Verify(c, in); }));
  Record(report);
  return report;
}

void LogService::Record(const audit::VerifyReport& r) {
  std::lock_guard lock(mu_);
  const bool full = r.from_seq == 1;
  // A tail check does not clear what a full check found broken.
  if (!full && health_.checked && !health_.ok) return;
  health_.checked = true;
  health_.ok = r.ok;
  health_.full = full;
  health_.verified_seq = r.ok ? r.head_seq : r.first_bad_seq - 1;
  health_.first_bad_seq = r.first_bad_seq;
  health_.last_witnessed_seq = r.last_witnessed_seq;
  health_.reason = r.reason;
  health_.checked_at = env_.clock.NowMicros();
}

LogHealth LogService::Health() const {
  std::lock_guard lock(mu_);
  return health_;
}

Result<audit::VerifyReport> LogService::Check(bool tail_only) { return RunVerify(tail_only); }

Status LogService::AcceptBroken(const std::string& reason, const audit::VerifyReport& report) {
  return env_.db.Write([&](storage::Connection& c) -> Status {
    audit::Event e;
    e.actor = "system";
    e.actor_login = "system";
    e.action = audit::action::kLogAcceptBroken;
    e.target = "audit_log";
    e.clause = env_.pack.CiteFor("operation_log");
    e.detail = {{"reason", reason},
                {"first_bad_seq", report.first_bad_seq},
                {"problem", report.reason},
                {"last_witnessed_seq", report.last_witnessed_seq}};
    return env_.log.Record(c, e);
  });
}

Result<audit::VerifyReport> LogService::Verify(const Actor& a) {
  if (!access_.Has(a, perm::kAuditVerify)) return Error::Forbidden();
  MAMORI_ASSIGN(auto report, RunVerify(false));
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    audit::Event e = a.Event(audit::action::kAuditVerify, "audit_log");
    e.clause = env_.pack.CiteFor("operation_log");
    e.result = report.ok ? "success" : "failure";
    e.detail = {{"ok", report.ok},
                {"entries", report.entries},
                {"first_bad_seq", report.first_bad_seq},
                {"last_witnessed_seq", report.last_witnessed_seq},
                {"key_id", report.key_id}};
    return env_.log.Record(c, e);
  }));
  return report;
}

}  // namespace mamori::domain

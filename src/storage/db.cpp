#include "storage/db.hpp"

#include <spdlog/spdlog.h>

#include "storage/postgres/pg_db.hpp"
#include "storage/sqlite/sqlite_db.hpp"

namespace mamori::storage {

Value Nullable(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

Value NullableInt(int64_t v, bool present) {
  if (!present) return nullptr;
  return v;
}

Error StorageError(std::string_view what, std::string_view message) {
  spdlog::error("storage: {}: {}", what, message);
  return Error::Internal("データベースの処理に失敗しました");
}

Error UnavailableError(std::string_view what, std::string_view message, bool outcome_unknown) {
  spdlog::warn("storage: database unavailable: {}: {}", what, message);
  Error e{ErrorCode::kUnavailable,
          outcome_unknown ? "データベースとの接続が切れたため、処理が完了したか確認できません。"
                            "内容を確認してから、必要ならやり直してください"
                          : "データベースに接続できません。しばらくしてから再度お試しください",
          {},
          {}};
  e.retry_after_seconds = kUnavailableRetryAfterSeconds;
  return e;
}

Result<int64_t> Connection::QueryInt(std::string_view sql, const Params& params, int64_t fallback) {
  int64_t out = fallback;
  bool seen = false;
  auto st = Query(sql, params, [&](const Row& r) {
    if (!seen && !r.IsNull(0)) out = r.Int(0);
    seen = true;
  });
  if (!st.ok()) return std::move(st).error();
  return out;
}

PooledConnection::~PooledConnection() {
  if (db_ && conn_) db_->Release(std::move(conn_));
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& url, int max_connections) {
  std::unique_ptr<Database> db;
  if (url.rfind("sqlite:", 0) == 0) {
    db = std::make_unique<SqliteDatabase>(url, url.substr(7), max_connections);
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    db = std::make_unique<PgDatabase>(url, max_connections);
  } else {
    return Error::Validation("db", "unsupported_url",
                             "--db は sqlite:PATH または postgresql:// で始まる URL を指定してください");
  }
  // Open one connection now so a bad URL fails at start, not at the first request.
  auto conn = db->Acquire();
  if (!conn.ok()) return std::move(conn).error();
  return db;
}

Result<PooledConnection> Database::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return PooledConnection(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = Connect();
  if (!conn.ok()) {
    std::lock_guard relock(mu_);
    --open_;
    cv_.notify_one();
    return std::move(conn).error();
  }
  return PooledConnection(this, std::move(conn).value());
}

void Database::Release(std::unique_ptr<Connection> conn) {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mu_);
    if (conn->Healthy()) {
      idle_.push_back(std::move(conn));
    } else {
      closing.push_back(std::move(conn));
      for (auto& c : idle_) closing.push_back(std::move(c));
      idle_.clear();
      open_ -= static_cast<int>(closing.size());
    }
    cv_.notify_all();
  }
  // `closing` is closed here, outside the lock (closing a dead link may take a moment).
}

// The single row of log_head is the write lock: taking it first in every write transaction
// orders all writers the same way on both engines, so the operation log's hash chain has one
// total order and no two writers can deadlock.
static constexpr std::string_view kLockLogHead = "UPDATE log_head SET seq = seq WHERE id = 1";

Status Database::BeginWrite(Connection& c) {
  MAMORI_TRY(c.Begin());
  auto r = c.Execute(kLockLogHead);
  if (!r.ok()) {
    c.Rollback();
    return std::move(r).error();
  }
  return Ok();
}

namespace {

// Most transactions one commit carries: enough to turn a disk flush per request into one per
// burst, few enough that a group stays short.
constexpr size_t kMaxGroup = 256;

// Set while this thread runs a group, so a nested Write fails instead of waiting for itself.
thread_local bool t_in_group = false;

}  // namespace

Status Database::RunWrite(const std::function<bool(Connection&)>& run) {
  if (t_in_group) return StorageError("write", "Write called inside a write transaction");
  WriteJob job;
  job.run = &run;
  std::unique_lock lock(write_mu_);
  write_queue_.push_back(&job);
  while (!job.done) {
    if (write_leader_) {
      write_cv_.wait(lock);
      continue;
    }
    // Lead: take everyone waiting (this job included) and run them as one transaction.
    write_leader_ = true;
    std::vector<WriteJob*> group;
    while (!write_queue_.empty() && group.size() < kMaxGroup) {
      group.push_back(write_queue_.front());
      write_queue_.pop_front();
    }
    lock.unlock();
    try {
      RunGroup(group);
    } catch (const std::exception& e) {
      // Only the callers' work is allowed to throw, and that is caught inside; anything else
      // must still release the waiting writers.
      const Error err = StorageError("write group", e.what());
      for (WriteJob* j : group) j->status = err;
    }
    lock.lock();
    for (WriteJob* j : group) j->done = true;
    write_leader_ = false;
    write_cv_.notify_all();
  }
  return job.status;
}

void Database::RunGroup(const std::vector<WriteJob*>& group) {
  auto fail_all = [&](const Error& e) {
    for (WriteJob* j : group) j->status = e;
  };
  std::optional<PooledConnection> conn;
  for (int attempt = 0; !conn; ++attempt) {
    auto acquired = Acquire();
    if (!acquired.ok()) return fail_all(acquired.error());
    auto st = BeginWrite(**acquired);
    if (st.ok()) {
      conn.emplace(std::move(acquired).value());
    } else if (attempt > 0 || (*acquired)->Healthy()) {
      return fail_all(st.error());
    }
    // Otherwise a pooled connection from before a failover: nothing that could commit was sent,
    // so the group starts again on a new connection (Release drops the dead ones).
  }
  Connection& c = **conn;
  t_in_group = true;
  struct Reset {
    ~Reset() { t_in_group = false; }
  } reset;
  // A lone transaction needs no savepoint: it commits or rolls back as a whole.
  const bool alone = group.size() == 1;
  size_t kept = 0;
  for (WriteJob* j : group) {
    if (!alone) {
      if (auto st = c.ExecScript("SAVEPOINT mamori_write"); !st.ok()) {
        c.Rollback();
        return fail_all(st.error());
      }
    }
    const bool ok = (*j->run)(c);
    if (ok) ++kept;
    if (alone) break;
    auto st = c.ExecScript(ok ? "RELEASE SAVEPOINT mamori_write"
                              : "ROLLBACK TO SAVEPOINT mamori_write; RELEASE SAVEPOINT mamori_write");
    if (!st.ok()) {
      c.Rollback();
      return fail_all(st.error());
    }
  }
  if (kept == 0) {
    c.Rollback();
    return;
  }
  std::function<void()> after_commit;
  if (commit_hook_) after_commit = commit_hook_(c);
  if (auto st = c.Commit(); !st.ok()) {
    c.Rollback();
    fail_all(st.error());
    return;
  }
  if (after_commit) after_commit();
}

}  // namespace mamori::storage

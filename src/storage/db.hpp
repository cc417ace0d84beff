// The storage engine interface: connections that run parameterised SQL, a pool, and
// transactions. SQLite (sqlite/) and PostgreSQL (postgres/) implement it; the repositories
// above it are written once, in SQL both engines accept, with '?' placeholders.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace mamori::storage {

enum class Dialect { kSqlite, kPostgres };

// A bound parameter: SQL NULL, an integer, or text.
using Value = std::variant<std::nullptr_t, int64_t, std::string>;
using Params = std::vector<Value>;

// Optional text/integer helpers for binding nullable values.
Value Nullable(const std::string& s);  // "" binds NULL
Value NullableInt(int64_t v, bool present);

// One result row, valid only inside the Query callback.
class Row {
 public:
  virtual ~Row() = default;
  virtual bool IsNull(int col) const = 0;
  virtual std::string_view Text(int col) const = 0;  // "" for NULL
  virtual int64_t Int(int col) const = 0;            // 0 for NULL
  std::string Str(int col) const { return std::string(Text(col)); }
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement; returns the number of rows changed.
  virtual Result<int64_t> Execute(std::string_view sql, const Params& params = {}) = 0;
  // Runs one statement and calls `on_row` for each result row.
  virtual Status Query(std::string_view sql, const Params& params,
                       const std::function<void(const Row&)>& on_row) = 0;
  // Runs a script of several statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
  // A write transaction. SQLite takes the write lock at once (BEGIN IMMEDIATE) so two writers
  // never deadlock on lock upgrade.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // True while the connection is usable. A broken PostgreSQL link, or one to a server that has
  // become a read-only standby after a failover, is not returned to the pool.
  virtual bool Healthy() const = 0;

  // Convenience: the first column of the first row as integer, or `fallback` when no row.
  Result<int64_t> QueryInt(std::string_view sql, const Params& params, int64_t fallback);
};

class Database;

// A pooled connection, returned to its pool on destruction.
class PooledConnection {
 public:
  PooledConnection(Database* db, std::unique_ptr<Connection> conn) : db_(db), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) = default;
  PooledConnection& operator=(PooledConnection&&) = default;
  ~PooledConnection();
  Connection* operator->() { return conn_.get(); }
  Connection& operator*() { return *conn_; }

 private:
  Database* db_;
  std::unique_ptr<Connection> conn_;
};

class Database {
 public:
  // `url` is "sqlite:PATH" or "postgresql://..." (also "postgres://"). A PostgreSQL URL may name
  // several hosts (postgresql://h1:p1,h2:p2/db?target_session_attrs=read-write): libpq tries
  // them in order and keeps the first that accepts writes, so every new connection finds the
  // primary of the moment.
  static Result<std::unique_ptr<Database>> Open(const std::string& url, int max_connections = 16);
  virtual ~Database() = default;

  Dialect dialect() const { return dialect_; }
  const std::string& url() const { return url_; }
  // A pooled connection, or a new one. Fails with `unavailable` (retry_after_seconds set) when
  // no server can be reached.
  Result<PooledConnection> Acquire();

  // Runs `fn(conn)` in a write transaction: its changes commit when it returns OK and are
  // rolled back on an error or an exception, so a failed request leaves nothing behind. Every
  // write transaction first takes the operation-log head lock: writes are serialised in log
  // order.
  //
  // Group commit: writers that arrive while another transaction is committing wait, and the
  // next of them runs all waiting `fn`s one after another in one transaction, each inside its
  // own savepoint, and commits them with one disk flush. A `fn` that fails is rolled back to
  // its savepoint and the others are unaffected; the order is the same as if each had run
  // alone. `fn` must not call Write itself (that answers an internal error).
  //
  // Failover: when the pooled connection turns out to be dead (or read-only) before anything
  // was sent that could commit, the group starts again once on a new connection. A connection
  // lost later fails the whole group with `unavailable`; lost during COMMIT, the outcome is
  // unknown and is still answered `unavailable` — a change is reported done only after its
  // COMMIT succeeded.
  template <typename Fn>
  auto Write(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using R = decltype(fn(std::declval<Connection&>()));
    std::optional<R> result;
    std::exception_ptr thrown;
    Status st = RunWrite([&](Connection& c) {
      try {
        result.emplace(fn(c));
        return result->ok();
      } catch (...) {
        thrown = std::current_exception();
        return false;
      }
    });
    if (thrown) std::rethrow_exception(thrown);
    if (result && !result->ok()) return std::move(*result);  // its own error; none of it committed
    if (!st.ok()) return R(std::move(st).error());             // begin or commit failed
    return std::move(*result);
  }

  // Called by the writer that commits a group, inside the transaction just before COMMIT; the
  // function it returns (may be empty) runs after that commit succeeded, still before the next
  // group starts. The operation log uses it to read the committed head once per group and
  // hand it to its witness (audit/witness.hpp). Set once, before the first Write.
  using CommitHook = std::function<std::function<void()>(Connection&)>;
  void SetCommitHook(CommitHook hook) { commit_hook_ = std::move(hook); }

  // Runs `fn(conn)` on a pooled connection without a transaction (reads).
  template <typename Fn>
  auto Read(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    using R = decltype(fn(std::declval<Connection&>()));
    auto conn = Acquire();
    if (!conn.ok()) return R(std::move(conn).error());
    return fn(**conn);
  }

 protected:
  Database(Dialect dialect, std::string url, int max_connections)
      : dialect_(dialect), url_(std::move(url)), max_connections_(max_connections) {}
  virtual Result<std::unique_ptr<Connection>> Connect() = 0;

 private:
  friend class PooledConnection;
  Status BeginWrite(Connection& c);
  // Back to the pool, or closed when broken. A broken connection also closes every idle one:
  // after a failover they all lead to the lost server, and each would fail one request.
  void Release(std::unique_ptr<Connection> conn);

  // One caller's work in a group commit: `run` answers whether its changes may stay.
  struct WriteJob {
    const std::function<bool(Connection&)>* run = nullptr;
    Status status = Ok();  // begin, savepoint or commit failures of the group
    bool done = false;
  };
  Status RunWrite(const std::function<bool(Connection&)>& run);
  void RunGroup(const std::vector<WriteJob*>& group);

  Dialect dialect_;
  std::string url_;
  int max_connections_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::deque<WriteJob*> write_queue_;
  bool write_leader_ = false;
  CommitHook commit_hook_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;
};

// Error for a failed statement; the SQL text is logged, never sent to clients.
Error StorageError(std::string_view what, std::string_view message);

// Seconds a client is asked to wait (Retry-After) while no database server accepts writes: about
// the time a failover takes to promote the standby.
inline constexpr int64_t kUnavailableRetryAfterSeconds = 5;

// Error for a database that cannot be reached for now — no server accepts the connection, the
// connection was lost, or the server has become a read-only standby: `unavailable` (503 with
// Retry-After), which the client may retry. `outcome_unknown`: the connection was lost while
// COMMIT was under way, so the change may or may not have been committed; it is reported as
// not done, and the detail asks the user to look before repeating it.
Error UnavailableError(std::string_view what, std::string_view message, bool outcome_unknown = false);

}  // namespace mamori::storage

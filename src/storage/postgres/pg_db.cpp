#include "storage/postgres/pg_db.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <unordered_map>

namespace mamori::storage {

std::string RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += "$" + std::to_string(++n);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool IsUnavailableState(std::string_view sqlstate) {
  // 08: connection exception; 57P01-57P03: the server is shutting down, crashed or starting;
  // 25006: read_only_sql_transaction (the server is, or has just become, a standby);
  // 53300: too_many_connections.
  return sqlstate.substr(0, 2) == "08" || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03" || sqlstate == "25006" || sqlstate == "53300";
}

namespace {

class PgRow final : public Row {
 public:
  PgRow(PGresult* res, int row) : res_(res), row_(row) {}
  bool IsNull(int col) const override { return PQgetisnull(res_, row_, col); }
  std::string_view Text(int col) const override {
    return {PQgetvalue(res_, row_, col), static_cast<size_t>(PQgetlength(res_, row_, col))};
  }
  int64_t Int(int col) const override {
    std::string_view t = Text(col);
    int64_t v = 0;
    // Booleans come back as 't'/'f' in text format.
    if (t == "t") return 1;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
  }

 private:
  PGresult* res_;
  int row_;
};

struct ResultGuard {
  PGresult* r;
  ~ResultGuard() { PQclear(r); }
};

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }
  bool Healthy() const override { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

  Result<int64_t> Execute(std::string_view sql, const Params& params) override {
    MAMORI_ASSIGN(PGresult * res, Run(sql, params));
    ResultGuard g{res};
    const char* n = PQcmdTuples(res);
    return static_cast<int64_t>(n && *n ? std::stoll(n) : 0);
  }

  Status Query(std::string_view sql, const Params& params,
               const std::function<void(const Row&)>& on_row) override {
    MAMORI_ASSIGN(PGresult * res, Run(sql, params));
    ResultGuard g{res};
    const int rows = PQntuples(res);
    for (int i = 0; i < rows; ++i) on_row(PgRow(res, i));
    return Ok();
  }

  Status ExecScript(std::string_view sql) override {
    const std::string text(sql);
    PGresult* res = PQexec(conn_, text.c_str());
    ResultGuard g{res};
    const auto st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Fail("script", res);
    return Ok();
  }

  Status Begin() override { return Simple("BEGIN"); }
  Status Commit() override {
    PGresult* res = PQexec(conn_, "COMMIT");
    ResultGuard g{res};
    if (PQresultStatus(res) == PGRES_COMMAND_OK) return Ok();
    Error e = Fail("COMMIT", res);
    // The link broke after COMMIT was sent: the server may have committed or not. Never Ok.
    if (broken_ || PQstatus(conn_) != CONNECTION_OK) return UnavailableError("COMMIT", PQerrorMessage(conn_), true);
    return e;
  }
  void Rollback() override {
    if (PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)Simple("ROLLBACK");
  }

 private:
  Status Simple(const char* sql) {
    PGresult* res = PQexec(conn_, sql);
    ResultGuard g{res};
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return Fail(sql, res);
    return Ok();
  }

  // The error of a failed call: `unavailable` (and the connection marked broken, so the pool
  // drops it) when the link is lost or the server cannot take the statement for now; an
  // internal storage error otherwise. `res` may be null (libpq could not even make a result).
  Error Fail(std::string_view what, const PGresult* res) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const std::string_view sqlstate = state ? std::string_view(state) : std::string_view();
    const std::string msg = PQerrorMessage(conn_);
    if (PQstatus(conn_) != CONNECTION_OK || IsUnavailableState(sqlstate)) {
      // too_many_connections is about the server, not this link; every other case is.
      if (sqlstate != "53300") broken_ = true;
      return UnavailableError(what, msg);
    }
    return StorageError(what, msg);
  }

  Result<PGresult*> Run(std::string_view sql, const Params& params) {
    std::string key(sql);
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      std::string name = "s" + std::to_string(prepared_.size());
      PGresult* res = PQprepare(conn_, name.c_str(), RewritePlaceholders(sql).c_str(), 0, nullptr);
      ResultGuard g{res};
      if (PQresultStatus(res) != PGRES_COMMAND_OK) return Fail(sql, res);
      it = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    std::vector<std::string> ints;
    ints.reserve(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        ints.push_back(std::to_string(*n));
        values[i] = ints.back().c_str();
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();
        lengths[i] = static_cast<int>(s->size());
      }
    }
    // `ints` must not reallocate after pointers were taken: reserved above.
    PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                   values.data(), lengths.data(), nullptr, 0);
    const auto st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      ResultGuard g{res};
      return Fail(sql, res);
    }
    return res;
  }

  PGconn* conn_;
  bool broken_ = false;  // lost, or a standby now: never reused
  std::unordered_map<std::string, std::string> prepared_;
};

}  // namespace

PgDatabase::PgDatabase(std::string url, int max_connections)
    : Database(Dialect::kPostgres, std::move(url), max_connections) {}

Result<std::unique_ptr<Connection>> PgDatabase::Connect() {
  // Defaults the URL may override (it is expanded after them): a host that does not answer is
  // given up after a few seconds so the next host is tried, and TCP keepalives notice a server
  // whose machine died while a connection sat idle.
  const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", "dbname", nullptr};
  const char* values[] = {"5", "1", "10", "3", "3", url().c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    // Nothing accepted the connection (or none of the hosts accepts writes now).
    return UnavailableError("connect", msg);
  }
  auto c = std::make_unique<PgConnection>(conn);
  MAMORI_TRY(c->ExecScript("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET client_min_messages = warning;"));
  return std::unique_ptr<Connection>(std::move(c));
}

}  // namespace mamori::storage

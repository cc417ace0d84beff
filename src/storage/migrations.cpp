#include "storage/migrations.hpp"

#include <string>

#include "storage/register_repo.hpp"

namespace mamori::storage {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Never edit a migration that has shipped; add a new one.
constexpr Migration kMigrations[] = {
    {1, "identity, sessions, operation log", R"SQL(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE org_units (
  id         TEXT PRIMARY KEY,
  code       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  parent_id  TEXT REFERENCES org_units(id),
  valid_from TEXT,
  valid_to   TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_id);
CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  login_id             TEXT NOT NULL UNIQUE,
  name                 TEXT NOT NULL,
  org_unit_id          TEXT NOT NULL REFERENCES org_units(id),
  employment_type      TEXT NOT NULL,
  status               TEXT NOT NULL,
  password_hash        TEXT,
  password_changed_at  BIGINT,
  must_change_password INTEGER NOT NULL,
  failed_attempts      INTEGER NOT NULL DEFAULT 0,
  locked_until         BIGINT,
  last_login_at        BIGINT,
  last_login_address   TEXT,
  expires_on           TEXT,
  totp_secret          TEXT,
  totp_pending         TEXT,
  totp_last_step       BIGINT NOT NULL DEFAULT 0,
  created_at           BIGINT NOT NULL,
  deleted_at           BIGINT
);
CREATE INDEX users_org ON users(org_unit_id);
CREATE TABLE password_history (
  user_id    TEXT NOT NULL REFERENCES users(id),
  hash       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, created_at);
CREATE TABLE role_assignments (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id),
  role        TEXT NOT NULL,
  scope_type  TEXT NOT NULL,
  scope_id    TEXT,
  valid_from  TEXT,
  valid_to    TEXT,
  delegate_of TEXT REFERENCES users(id),
  created_at  BIGINT NOT NULL,
  created_by  TEXT,
  revoked_at  BIGINT,
  revoked_by  TEXT
);
CREATE INDEX role_assignments_user ON role_assignments(user_id);
CREATE TABLE sessions (
  id           TEXT PRIMARY KEY,
  user_id      TEXT NOT NULL REFERENCES users(id),
  csrf_token   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  address      TEXT,
  mfa_passed   INTEGER NOT NULL,
  prev_login_at      BIGINT,
  prev_login_address TEXT,
  ended_at     BIGINT,
  end_reason   TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE audit_log (
  seq         SEQ_PRIMARY_KEY,
  at          BIGINT NOT NULL,
  actor       TEXT NOT NULL,
  actor_login TEXT NOT NULL,
  session     TEXT NOT NULL,
  address     TEXT NOT NULL,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  result      TEXT NOT NULL,
  clause      TEXT NOT NULL,
  detail      TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log(actor, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TABLE log_head (
  id   INTEGER PRIMARY KEY,
  seq  BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO log_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE log_checkpoints (
  seq       SEQ_PRIMARY_KEY,
  hash      TEXT NOT NULL,
  at        BIGINT NOT NULL,
  key_id    TEXT NOT NULL,
  signature TEXT NOT NULL
);
)SQL"},
    {2, "assets and systems", R"SQL(
CREATE TABLE information_systems (
  id                   TEXT PRIMARY KEY,
  name                 TEXT NOT NULL,
  owner_org_unit_id    TEXT NOT NULL REFERENCES org_units(id),
  network_zone         TEXT NOT NULL,
  hosting              TEXT NOT NULL,
  sla_availability     TEXT,
  rto_minutes          BIGINT,
  rpo_minutes          BIGINT,
  system_owner_user_id TEXT REFERENCES users(id),
  system_admin_user_id TEXT REFERENCES users(id),
  notes                TEXT,
  created_by           TEXT NOT NULL,
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL,
  version              BIGINT NOT NULL
);
CREATE INDEX information_systems_owner ON information_systems(owner_org_unit_id);
CREATE INDEX information_systems_name ON information_systems(name, id);
CREATE TABLE assets (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  kind              TEXT NOT NULL,
  owner_org_unit_id TEXT NOT NULL REFERENCES org_units(id),
  confidentiality   INTEGER NOT NULL,
  integrity         INTEGER NOT NULL,
  availability      INTEGER NOT NULL,
  handling          TEXT NOT NULL,
  location          TEXT,
  system_id         TEXT REFERENCES information_systems(id),
  state             TEXT NOT NULL,
  created_by        TEXT NOT NULL,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  version           BIGINT NOT NULL
);
CREATE INDEX assets_name ON assets(name, id);
CREATE INDEX assets_owner ON assets(owner_org_unit_id, name, id);
CREATE INDEX assets_state ON assets(state, name, id);
CREATE INDEX assets_confidentiality ON assets(confidentiality);
CREATE INDEX assets_system ON assets(system_id);
-- How many assets share each (owner, confidentiality, state, kind): list totals are summed from
-- here instead of counting up to a million rows per page (AssetRepo keeps it in step).
CREATE TABLE asset_counts (
  owner_org_unit_id TEXT NOT NULL,
  confidentiality   INTEGER NOT NULL,
  state             TEXT NOT NULL,
  kind              TEXT NOT NULL,
  n                 BIGINT NOT NULL,
  PRIMARY KEY (owner_org_unit_id, confidentiality, state, kind)
);
CREATE INDEX audit_log_target ON audit_log(target, seq);
)SQL"},
    {3, "requests", R"SQL(
CREATE TABLE requests (
  id                    TEXT PRIMARY KEY,
  type                  TEXT NOT NULL,
  requester_id          TEXT NOT NULL REFERENCES users(id),
  requester_org_unit_id TEXT NOT NULL REFERENCES org_units(id),
  state                 TEXT NOT NULL,
  fields                TEXT NOT NULL,
  completion            TEXT NOT NULL,
  approver_role         TEXT NOT NULL,
  approver_scope_type   TEXT NOT NULL,
  approver_scope_id     TEXT,
  decided_by            TEXT,
  decided_at            BIGINT,
  decision_note         TEXT,
  clause                TEXT NOT NULL,
  expires_on            TEXT,
  report_due_at         BIGINT,
  created_at            BIGINT NOT NULL,
  updated_at            BIGINT NOT NULL,
  version               BIGINT NOT NULL
);
CREATE INDEX requests_requester ON requests(requester_id, created_at);
CREATE INDEX requests_inbox ON requests(state, approver_role, approver_scope_id);
CREATE INDEX requests_unit ON requests(requester_org_unit_id, created_at);
CREATE INDEX requests_expiry ON requests(state, expires_on);
CREATE TABLE request_assets (
  request_id TEXT NOT NULL REFERENCES requests(id),
  asset_id   TEXT NOT NULL REFERENCES assets(id),
  position   INTEGER NOT NULL,
  PRIMARY KEY (request_id, asset_id)
);
CREATE INDEX request_assets_asset ON request_assets(asset_id);
)SQL"},
    {4, "user versions", R"SQL(
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

)SQL"},
    {5, "sign-in throttle, session browser", R"SQL(
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
CREATE INDEX sessions_user_live ON sessions(user_id, ended_at);
CREATE TABLE login_failures (
  address_key TEXT NOT NULL,
  at          BIGINT NOT NULL
);
CREATE INDEX login_failures_address ON login_failures(address_key, at);
CREATE INDEX login_failures_at ON login_failures(at);
)SQL"},
    // Each signed checkpoint names the checkpoint before it (part of the signed message), so a
    // deleted checkpoint is found and named (docs/operation_log.md).
    {6, "operation log: checkpoints chained", R"SQL(
ALTER TABLE log_checkpoints ADD COLUMN prev_seq BIGINT NOT NULL DEFAULT 0;
)SQL"},
    // Sealed at rest (docs/sealing.md): the data keys, each only as the master key wrapped it.
    // The master key itself is never in the database.
    {7, "sealing: wrapped data keys", R"SQL(
CREATE TABLE data_keys (
  id         TEXT PRIMARY KEY,
  wrapped    TEXT NOT NULL,
  master_id  TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  seq        BIGINT NOT NULL UNIQUE
);
)SQL"},
    // Notifications (docs/notifications.md): the in-app list of each user, and the e-mail
    // outbox the mail sender drains (a row is claimed for a lease before it is sent, and marked
    // sent after; an unsent row whose lease has run out is tried again). Users may have an
    // e-mail address.
    {8, "notifications and mail outbox", R"SQL(
ALTER TABLE users ADD COLUMN email TEXT;
CREATE TABLE notifications (
  id          TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  link        TEXT,
  kind        TEXT NOT NULL,
  target      TEXT,
  read_at     BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, created_at, id);
CREATE INDEX notifications_unread ON notifications(user_id, read_at);
CREATE TABLE mail_outbox (
  id               TEXT PRIMARY KEY,
  notification_id  TEXT NOT NULL,
  to_address       TEXT NOT NULL,
  subject          TEXT NOT NULL,
  body             TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  attempts         BIGINT NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT,
  sent_at          BIGINT,
  last_error       TEXT,
  message_id       TEXT NOT NULL UNIQUE
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_at);
)SQL"},
    // The information system ledger becomes a register of the kit (docs/registers.md): its
    // table gains the register's fixed columns (no workflow: state ""; an entry's creator
    // section is its owner's at first). Migrate then ensures the rest (EnsureTable).
    {9, "system ledger on the register kit", R"SQL(
ALTER TABLE information_systems ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE information_systems ADD COLUMN step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE information_systems ADD COLUMN step_actors TEXT NOT NULL DEFAULT '[]';
ALTER TABLE information_systems ADD COLUMN creator_org_unit_id TEXT NOT NULL DEFAULT '';
ALTER TABLE information_systems ADD COLUMN deadline_at BIGINT;
ALTER TABLE information_systems ADD COLUMN deadline_done INTEGER NOT NULL DEFAULT 0;
UPDATE information_systems SET creator_org_unit_id = owner_org_unit_id;
)SQL"},
    // Requests approved by an ordered chain (kobe:8.1.4, docs/policy_pack.md `approvers`): the
    // chain resolved when filed (a JSON array of {role, scope_type, scope_id}, one per step),
    // the approvals given so far and by whom (a JSON array of user ids). approver_role and
    // approver_scope_* stay the step that is due, so the inbox reads one column as before.
    {10, "request approval chains", R"SQL(
ALTER TABLE requests ADD COLUMN approver_chain TEXT NOT NULL DEFAULT '[]';
ALTER TABLE requests ADD COLUMN step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN step_actors TEXT NOT NULL DEFAULT '[]';
)SQL"},
    // Files attached to register records (docs/registers.md, "Attachments"): evidence, so a row
    // is never updated except to mark it withdrawn, and never deleted. The file name and the
    // content are sealed (docs/sealing.md); size, type and SHA-256 stay plain.
    {11, "register attachments", R"SQL(
CREATE TABLE register_attachments (
  id              TEXT PRIMARY KEY,
  register        TEXT NOT NULL,
  record_id       TEXT NOT NULL,
  file_name       TEXT NOT NULL,
  media_type      TEXT NOT NULL,
  size_bytes      BIGINT NOT NULL,
  sha256          TEXT NOT NULL,
  content         TEXT NOT NULL,
  created_by      TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  withdrawn_at    BIGINT,
  withdrawn_by    TEXT,
  withdrawn_note  TEXT
);
CREATE INDEX register_attachments_record ON register_attachments (register, record_id, created_at);
)SQL"},
    // Who a register record's deadline escalated to (docs/registers.md "Escalation, tasks and
    // reporters"): one row per person and level; they become parties of the record. next_at is
    // the deadline the level set for the next one, so the next run knows which level is due.
    {12, "register escalations", R"SQL(
CREATE TABLE register_escalations (
  register_id TEXT NOT NULL,
  record_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  level BIGINT NOT NULL,
  state TEXT NOT NULL,
  escalated_at BIGINT NOT NULL,
  next_at BIGINT,
  PRIMARY KEY (register_id, record_id, user_id, level, escalated_at)
);
CREATE INDEX register_escalations_user ON register_escalations (user_id, register_id, record_id);
)SQL"},
};

// The one place the engines' DDL differs: a 64-bit sequence key is SQLite's row id when
// declared INTEGER PRIMARY KEY (so a scan in seq order reads the table itself, not an index),
// and a BIGINT in PostgreSQL.
std::string ForDialect(std::string sql, Dialect d) {
  const std::string token = "SEQ_PRIMARY_KEY";
  const std::string type = d == Dialect::kSqlite ? "INTEGER PRIMARY KEY" : "BIGINT PRIMARY KEY";
  for (size_t pos = sql.find(token); pos != std::string::npos; pos = sql.find(token, pos + type.size()))
    sql.replace(pos, token.size(), type);
  return sql;
}

}  // namespace

int LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Status Migrate(Database& db) {
  MAMORI_ASSIGN(auto conn, db.Acquire());
  MAMORI_TRY(conn->ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at BIGINT NOT NULL)"));
  MAMORI_ASSIGN(int64_t current, conn->QueryInt("SELECT MAX(version) FROM schema_migrations", {}, 0));
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    MAMORI_TRY(conn->Begin());
    Status st = conn->ExecScript(ForDialect(m.sql, db.dialect()));
    if (st.ok()) {
      auto r = conn->Execute(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          {static_cast<int64_t>(m.version), std::string(m.name), static_cast<int64_t>(time(nullptr)) * 1000000});
      if (!r.ok()) st = std::move(r).error();
    }
    if (!st.ok()) {
      conn->Rollback();
      return st;
    }
    MAMORI_TRY(conn->Commit());
  }
  // The built-in register tables: their summary and indexes (idempotent, a few catalogue reads).
  MAMORI_TRY(conn->Begin());
  if (Status st = EnsureTable(*conn, SystemsTable()); !st.ok()) {
    conn->Rollback();
    return st;
  }
  return conn->Commit();
}

}  // namespace mamori::storage

// Plain records as stored. Services in domain/ work with these; only storage/ maps them to SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mamori::storage {

struct OrgUnitRecord {
  std::string id;
  std::string code;
  std::string name;
  std::string kind;       // city | bureau | department | section
  std::string parent_id;  // "" for the city root
  std::string valid_from;
  std::string valid_to;
  int64_t created_at = 0;
};

struct UserRecord {
  std::string id;
  std::string login_id;
  std::string name;
  std::string org_unit_id;
  std::string employment_type;
  std::string status;  // active | suspended | deleted (locked/expired are derived)
  std::string password_hash;
  int64_t password_changed_at = 0;
  bool must_change_password = true;
  int failed_attempts = 0;
  int64_t locked_until = 0;  // 0 = not locked
  int64_t last_login_at = 0;
  std::string last_login_address;
  std::string expires_on;   // "YYYY-MM-DD" or ""
  std::string totp_secret;  // sealed (AES-256-GCM), "" when not enrolled
  std::string totp_pending; // sealed secret awaiting confirmation
  int64_t totp_last_step = 0;
  int64_t created_at = 0;
  int64_t deleted_at = 0;
};

struct RoleAssignmentRecord {
  std::string id;
  std::string user_id;
  std::string role;
  std::string scope_type;  // city | org_unit | system
  std::string scope_id;    // "" for city
  std::string valid_from;  // "YYYY-MM-DD" or ""
  std::string valid_to;
  std::string delegate_of;  // user id whose duty this delegates (代行), or ""
  int64_t created_at = 0;
  std::string created_by;
  int64_t revoked_at = 0;
  std::string revoked_by;
};

struct SessionRecord {
  std::string id;  // SHA-256 hex of the cookie token; the token itself is never stored
  std::string user_id;
  std::string csrf_token;
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
  int64_t expires_at = 0;  // absolute limit
  std::string address;
  bool mfa_passed = false;
  int64_t prev_login_at = 0;  // the user's previous sign-in, shown to them (kobe:8.2.5)
  std::string prev_login_address;
  int64_t ended_at = 0;
  std::string end_reason;
};

struct LogEntryRecord {
  int64_t seq = 0;
  int64_t at = 0;
  std::string actor;        // user id, or "-" for anonymous / system
  std::string actor_login;  // login id as typed or held, for readers of the log
  std::string session;      // short session reference, or "-"
  std::string address;
  std::string action;
  std::string target;
  std::string result;  // success | failure | denied
  std::string clause;
  std::string detail;  // JSON object text
  std::string prev_hash;
  std::string hash;
};

struct CheckpointRecord {
  int64_t seq = 0;
  std::string hash;
  int64_t at = 0;
  std::string key_id;
  std::string signature;  // base64 DER ECDSA
};

}  // namespace mamori::storage

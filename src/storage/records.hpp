// Plain records as stored. Services in domain/ work with these; only storage/ maps them to SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mamori::storage {

struct OrgUnitRecord {
  std::string id{};
  std::string code{};
  std::string name{};
  std::string kind{};       // city | bureau | department | section
  std::string parent_id{};  // "" for the city root
  std::string valid_from{};
  std::string valid_to{};
  int64_t created_at = 0;
};

struct UserRecord {
  std::string id{};
  std::string login_id{};
  std::string name{};
  std::string org_unit_id{};
  std::string employment_type{};
  std::string status{};  // active | suspended | deleted (locked/expired are derived)
  std::string password_hash{};
  int64_t password_changed_at = 0;
  bool must_change_password = true;
  int failed_attempts = 0;
  int64_t locked_until = 0;  // 0 = not locked
  int64_t last_login_at = 0;
  std::string last_login_address{};
  std::string expires_on{};   // "YYYY-MM-DD" or ""
  std::string totp_secret{};  // sealed (AES-256-GCM), "" when not enrolled
  std::string totp_pending{}; // sealed secret awaiting confirmation
  int64_t totp_last_step = 0;
  int64_t created_at = 0;
  int64_t deleted_at = 0;
  int64_t version = 0;  // optimistic locking of PATCH /users/{id}: name, unit, employment, expiry
  std::string email{};    // where notifications are mailed (docs/notifications.md); "" = none
};

struct RoleAssignmentRecord {
  std::string id{};
  std::string user_id{};
  std::string role{};
  std::string scope_type{};  // city | org_unit | system
  std::string scope_id{};    // "" for city
  std::string valid_from{};  // "YYYY-MM-DD" or ""
  std::string valid_to{};
  std::string delegate_of{};  // user id whose duty this delegates (代行), or ""
  int64_t created_at = 0;
  std::string created_by{};
  int64_t revoked_at = 0;
  std::string revoked_by{};
};

struct SessionRecord {
  std::string id{};  // SHA-256 hex of the cookie token; the token itself is never stored
  std::string user_id{};
  std::string csrf_token{};
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
  int64_t expires_at = 0;  // absolute limit
  std::string address{};
  bool mfa_passed = false;
  int64_t prev_login_at = 0;  // the user's previous sign-in, shown to them (kobe:8.2.5)
  std::string prev_login_address{};
  int64_t ended_at = 0;
  std::string end_reason{};
  std::string user_agent{};  // as the browser sent it at sign-in, shortened
};

struct LogEntryRecord {
  int64_t seq = 0;
  int64_t at = 0;
  std::string actor{};        // user id, or "-" for anonymous / system
  std::string actor_login{};  // login id as typed or held, for readers of the log
  std::string session{};      // short session reference, or "-"
  std::string address{};
  std::string action{};
  std::string target{};
  std::string result{};  // success | failure | denied
  std::string clause{};
  std::string detail{};  // JSON object text
  std::string prev_hash{};
  std::string hash{};
};

struct CheckpointRecord {
  int64_t seq = 0;
  std::string hash{};
  int64_t at = 0;
  std::string key_id{};
  std::string signature{};  // base64 DER ECDSA
  int64_t prev_seq = 0;   // seq of the checkpoint before this one (0 for the first); signed
};

// An entry of the information system ledger (kobe:8.3.1ウ).
struct SystemRecord {
  std::string id{};
  std::string name{};
  std::string owner_org_unit_id{};
  std::string network_zone{};      // mynumber | lgwan | internet | other
  std::string hosting{};           // on_premises | cloud | external_service
  std::string sla_availability{};  // percent as text ("99.9"), "" when not agreed
  std::optional<int64_t> rto_minutes{};
  std::optional<int64_t> rpo_minutes{};
  std::string system_owner_user_id{};  // "" when not named
  std::string system_admin_user_id{};
  std::string notes{};
  std::string created_by{};
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t version = 1;  // optimistic locking: every update adds one
};

// An information asset of the register (kobe:4.1, 4.2).
struct AssetRecord {
  std::string id{};
  std::string name{};
  std::string kind{};  // electronic_data | paper_document | removable_medium | terminal | ...
  std::string owner_org_unit_id{};
  int64_t confidentiality = 0;
  int64_t integrity = 0;
  int64_t availability = 0;
  std::vector<std::string> handling{};  // 取扱制限, stored as a JSON array
  std::string location{};
  std::string system_id{};  // "" when none
  std::string state{};      // in_use | taken_out | provided | disposed
  std::string created_by{};
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t version = 1;
};

}  // namespace mamori::storage

// JSON views of records for API v1 (snake_case keys, RFC 3339 UTC times). Secrets such as
// password hashes and TOTP seeds never leave through here. Each view's JSON Schema is in
// api/openapi_schemas.cpp (User, OrgUnit, RoleAssignment, LogEntry, Policy, Session,
// Notification); a key added
// here goes there too, or openapi_schemas_test.cpp fails.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/auth_service.hpp"
#include "domain/log_view.hpp"
#include "policy/pack.hpp"
#include "storage/notification_repo.hpp"
#include "storage/records.hpp"

namespace mamori::api {

nlohmann::json TimeOrNull(int64_t micros);
nlohmann::json OrgUnitJson(const storage::OrgUnitRecord& u);
nlohmann::json UserJson(const storage::UserRecord& u, int64_t now, const std::string& today);
// Org unit id → name, to label role scopes.
using UnitNames = std::map<std::string, std::string>;
nlohmann::json RoleJson(const storage::RoleAssignmentRecord& r, const policy::PolicyPack& pack, const UnitNames& names);
nlohmann::json LogEntryJson(const storage::LogEntryRecord& e);
// The same with the names the log page shows: actor_name, target_type, target_id,
// target_label, target_hidden, detail_withheld (detail null) and refs ("type:id" → name or null).
nlohmann::json LogEntryJson(const domain::LogEntryView& v);
nlohmann::json PolicyJson(const policy::PolicyPack& pack);
// One of the caller's notifications (GET /api/v1/notifications).
nlohmann::json NotificationJson(const storage::NotificationRecord& n);
// The session answer of POST /session, POST /session/mfa and GET /session.
nlohmann::json SessionJson(const domain::SessionState& s, const policy::PolicyPack& pack, int64_t now,
                           const std::string& today, const UnitNames& names);

}  // namespace mamori::api

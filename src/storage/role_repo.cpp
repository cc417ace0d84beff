#include "storage/repos.hpp"

namespace mamori::storage {
namespace {

#define MAMORI_ROLE_COLUMNS \
  "id, user_id, role, scope_type, scope_id, valid_from, valid_to, delegate_of, created_at, created_by, revoked_at, revoked_by"

constexpr std::string_view kInsert = "INSERT INTO role_assignments (" MAMORI_ROLE_COLUMNS
                                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kGet = "SELECT " MAMORI_ROLE_COLUMNS " FROM role_assignments WHERE id = ?";
constexpr std::string_view kForUser = "SELECT " MAMORI_ROLE_COLUMNS
                                      " FROM role_assignments WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at";
constexpr std::string_view kAllActive = "SELECT " MAMORI_ROLE_COLUMNS
                                        " FROM role_assignments WHERE revoked_at IS NULL ORDER BY user_id, created_at";
constexpr std::string_view kRevoke =
    "UPDATE role_assignments SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL";

RoleAssignmentRecord ReadRole(const Row& r) {
  return {r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Str(4),  r.Str(5),
          r.Str(6), r.Str(7), r.Int(8), r.Str(9), r.Int(10), r.Str(11)};
}

}  // namespace

Status RoleRepo::Insert(const RoleAssignmentRecord& a) {
  auto r = c_.Execute(kInsert, {a.id, a.user_id, a.role, a.scope_type, Nullable(a.scope_id), Nullable(a.valid_from),
                                Nullable(a.valid_to), Nullable(a.delegate_of), a.created_at, Nullable(a.created_by),
                                NullableInt(a.revoked_at, a.revoked_at != 0), Nullable(a.revoked_by)});
  if (!r.ok()) return std::move(r).error();
  return Ok();
}

Result<std::optional<RoleAssignmentRecord>> RoleRepo::Get(const std::string& id) {
  std::optional<RoleAssignmentRecord> out;
  MAMORI_TRY(c_.Query(kGet, {id}, [&](const Row& r) { out = ReadRole(r); }));
  return out;
}

Result<std::vector<RoleAssignmentRecord>> RoleRepo::ListForUser(const std::string& user_id) {
  std::vector<RoleAssignmentRecord> out;
  MAMORI_TRY(c_.Query(kForUser, {user_id}, [&](const Row& r) { out.push_back(ReadRole(r)); }));
  return out;
}

Result<std::vector<RoleAssignmentRecord>> RoleRepo::ListActive(const std::string& user_id) {
  if (!user_id.empty()) return ListForUser(user_id);
  std::vector<RoleAssignmentRecord> out;
  MAMORI_TRY(c_.Query(kAllActive, {}, [&](const Row& r) { out.push_back(ReadRole(r)); }));
  return out;
}

Status RoleRepo::Revoke(const std::string& id, const std::string& by, int64_t at) {
  auto r = c_.Execute(kRevoke, {at, by, id});
  if (!r.ok()) return std::move(r).error();
  if (*r != 1) return Error::NotFound("役割の割当て");
  return Ok();
}

}  // namespace mamori::storage

// The permissions mamori's code checks, each spelled once: services name them by these
// constants (a typo is a compile error, not a silent deny), and the pack loader accepts a role's
// permission only if it is one of kPermissions (or one the pack's registers declare:
// PolicyPack::AllPermissions). permissions_test.cpp keeps the list, the loader and kobe.yaml's
// roles in step.
#pragma once

namespace mamori::policy {

namespace perm {
inline constexpr char kOrgRead[] = "org.read";
inline constexpr char kOrgManage[] = "org.manage";
inline constexpr char kUsersRead[] = "users.read";
inline constexpr char kUsersManage[] = "users.manage";
inline constexpr char kRolesManage[] = "roles.manage";
inline constexpr char kAuditRead[] = "audit.read";
inline constexpr char kAuditVerify[] = "audit.verify";
inline constexpr char kPolicyRead[] = "policy.read";
inline constexpr char kAssetsRead[] = "assets.read";
inline constexpr char kAssetsManage[] = "assets.manage";
inline constexpr char kAssetsReadRestricted[] = "assets.read_restricted";
inline constexpr char kSystemsRead[] = "systems.read";
inline constexpr char kSystemsManage[] = "systems.manage";
inline constexpr char kRequestsCreate[] = "requests.create";
inline constexpr char kRequestsRead[] = "requests.read";
}  // namespace perm

// The built-in permissions. A pack grants them to roles; it cannot invent new ones (beyond
// those its registers declare).
inline constexpr const char* kPermissions[] = {
    perm::kOrgRead,      perm::kOrgManage,     perm::kUsersRead,       perm::kUsersManage,
    perm::kRolesManage,  perm::kAuditRead,     perm::kAuditVerify,     perm::kPolicyRead,
    perm::kAssetsRead,   perm::kAssetsManage,  perm::kAssetsReadRestricted, perm::kSystemsRead,
    perm::kSystemsManage, perm::kRequestsCreate, perm::kRequestsRead,
};

}  // namespace mamori::policy

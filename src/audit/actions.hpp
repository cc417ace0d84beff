// Every action the operation log records, as named constants: the code writes these and
// nothing else, docs/operation_log.md lists them, and actions_test.cpp keeps the two in step
// (it also scans the source tree for action names written as literals).
#pragma once

#include <string_view>

namespace mamori::audit::action {

inline constexpr char kSystemInit[] = "system.init";
inline constexpr char kLogAcceptBroken[] = "audit.accept_broken";
inline constexpr char kAuditVerify[] = "audit.verify";
inline constexpr char kAuditExport[] = "audit.export";

inline constexpr char kAuthLogin[] = "auth.login";
inline constexpr char kAuthMfa[] = "auth.mfa";
inline constexpr char kAuthLogout[] = "auth.logout";
inline constexpr char kAuthLockout[] = "auth.lockout";
inline constexpr char kAuthSessionEnd[] = "auth.session_end";

inline constexpr char kUserCreate[] = "user.create";
inline constexpr char kUserSuspend[] = "user.suspend";
inline constexpr char kUserResume[] = "user.resume";
inline constexpr char kUserResetPassword[] = "user.reset_password";
inline constexpr char kUserDelete[] = "user.delete";
inline constexpr char kUserUpdate[] = "user.update";
inline constexpr char kUserResetMfa[] = "user.reset_mfa";
inline constexpr char kUserSessionsEnd[] = "user.sessions_end";
inline constexpr char kUserPasswordChange[] = "user.password_change";
inline constexpr char kMfaTotpEnrollStart[] = "mfa.totp_enroll_start";
inline constexpr char kMfaTotpEnrollConfirm[] = "mfa.totp_enroll_confirm";
inline constexpr char kRoleAssign[] = "role.assign";
inline constexpr char kRoleRevoke[] = "role.revoke";
inline constexpr char kRoleEnd[] = "role.end";
inline constexpr char kOrgCreate[] = "org.create";

inline constexpr char kAssetCreate[] = "asset.create";
inline constexpr char kAssetUpdate[] = "asset.update";
inline constexpr char kAssetState[] = "asset.state";
inline constexpr char kAssetImport[] = "asset.import";
inline constexpr char kAssetExport[] = "asset.export";

// Sealing (docs/sealing.md): the data key ring and the master key that wraps it.
inline constexpr char kKeysCreate[] = "keys.create";
inline constexpr char kKeysUpgrade[] = "keys.upgrade";
inline constexpr char kKeysRotateData[] = "keys.rotate_data";
inline constexpr char kKeysRotateMaster[] = "keys.rotate_master";
inline constexpr char kKeysReseal[] = "keys.reseal";

// Requests: "request." + the transition (RequestService::Transition), plus create and expire.
inline constexpr char kRequestCreate[] = "request.create";
inline constexpr char kRequestSubmit[] = "request.submit";
inline constexpr char kRequestApprove[] = "request.approve";
inline constexpr char kRequestReject[] = "request.reject";
inline constexpr char kRequestWithdraw[] = "request.withdraw";
inline constexpr char kRequestComplete[] = "request.complete";
inline constexpr char kRequestReport[] = "request.report";
inline constexpr char kRequestExpire[] = "request.expire";

// Notifications (docs/notifications.md): a user marked their own notifications read.
inline constexpr char kNotificationRead[] = "notification.read";
inline constexpr char kNotificationReadAll[] = "notification.read_all";

// The list docs/operation_log.md must show, one row each.
inline constexpr std::string_view kAll[] = {
    kSystemInit,        kLogAcceptBroken,      kAuditVerify,       kAuditExport,     kAuthLogin,
    kAuthMfa,           kAuthLogout,           kAuthLockout,       kAuthSessionEnd,  kUserCreate,
    kUserSuspend,       kUserResume,           kUserResetPassword, kUserDelete,      kUserPasswordChange,
    kMfaTotpEnrollStart, kMfaTotpEnrollConfirm, kRoleAssign,        kRoleRevoke,      kRoleEnd,         kOrgCreate,
    kAssetCreate,       kAssetUpdate,          kAssetState,        kAssetImport,     kAssetExport,
    kRequestCreate,     kRequestSubmit,   kRequestApprove,
    kRequestReject,     kRequestWithdraw,      kRequestComplete,   kRequestReport,   kRequestExpire,
    kUserUpdate,        kUserResetMfa,         kUserSessionsEnd,   kKeysCreate,      kKeysUpgrade,
    kKeysRotateData,    kKeysRotateMaster,     kKeysReseal,        kNotificationRead, kNotificationReadAll};

}  // namespace mamori::audit::action

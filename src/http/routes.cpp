// The API v1 route table, in one place so the whole surface and its access rules read at once.
#include "http/router.hpp"

namespace mamori::http {
namespace {

// Routes that take a file upload; the server gives them the larger body limit.
constexpr char kAssetImportPath[] = "/api/v1/assets/import";

}  // namespace

Router ApiRoutes() {
  using namespace api;
  Router r;
  const auto pub = Access::kPublic;
  const auto full = Access::kSession;
  // Sign-in and the session. The steps that settle what a new session owes run while it is owed;
  // reading the session and the rules, and logging out, run at any step.
  r.Add({"POST", "/api/v1/session", Login, pub});
  r.Add({"POST", "/api/v1/session/mfa", Mfa, full, kMfaCode});
  r.Add({"GET", "/api/v1/session", GetSession, full, kAnyStep});
  r.Add({"DELETE", "/api/v1/session", Logout, full, kAnyStep});
  r.Add({"PUT", "/api/v1/me/password", ChangePassword, full, kPasswordChange});
  r.Add({"POST", "/api/v1/me/mfa/totp", StartTotp, full, kMfaEnrolment});
  r.Add({"POST", "/api/v1/me/mfa/totp/confirm", ConfirmTotp, full, kMfaEnrolment});
  r.Add({"GET", "/api/v1/policy", GetPolicy, full, kAnyStep});
  // Organisation, people and roles.
  r.Add({"GET", "/api/v1/org-units", ListOrgUnits, full});
  r.Add({"POST", "/api/v1/org-units", CreateOrgUnit, full});
  r.Add({"GET", "/api/v1/users", ListUsers, full});
  r.Add({"POST", "/api/v1/users", CreateUser, full});
  r.Add({"GET", "/api/v1/users/{id}", GetUser, full});
  r.Add({"DELETE", "/api/v1/users/{id}", DeleteUser, full});
  r.Add({"POST", "/api/v1/users/{id}/suspend", SuspendUser, full});
  r.Add({"POST", "/api/v1/users/{id}/resume", ResumeUser, full});
  r.Add({"POST", "/api/v1/users/{id}/reset-password", ResetUserPassword, full});
  r.Add({"GET", "/api/v1/role-assignments", ListRoleAssignments, full});
  r.Add({"POST", "/api/v1/role-assignments", CreateRoleAssignment, full});
  r.Add({"DELETE", "/api/v1/role-assignments/{id}", DeleteRoleAssignment, full});
  // Operation log.
  r.Add({"GET", "/api/v1/audit-log", ListAuditLog, full});
  r.Add({"GET", "/api/v1/audit-log/verify", VerifyAuditLog, full});
  r.Add({"GET", "/api/v1/audit-log/export", ExportAuditLog, full});
  r.Add({"GET", "/api/v1/audit-log/chain", ExportAuditChain, full});
  // Assets and systems.
  r.Add({"GET", "/api/v1/assets", ListAssets, full});
  r.Add({"POST", "/api/v1/assets", CreateAsset, full});
  // The register as files; before {id} so the literal paths win.
  r.Add({"GET", "/api/v1/assets/export", ExportAssets, full});
  r.Add({"GET", "/api/v1/assets/import-template", AssetImportTemplate, full});
  r.Add({"POST", kAssetImportPath, ImportAssets, full});
  r.Add({"GET", "/api/v1/assets/{id}", GetAsset, full});
  r.Add({"PATCH", "/api/v1/assets/{id}", UpdateAsset, full});
  r.Add({"GET", "/api/v1/assets/{id}/history", GetAssetHistory, full});
  r.Add({"GET", "/api/v1/systems", ListSystems, full});
  r.Add({"POST", "/api/v1/systems", CreateSystem, full});
  r.Add({"GET", "/api/v1/systems/{id}", GetSystem, full});
  r.Add({"PATCH", "/api/v1/systems/{id}", UpdateSystem, full});
  // Requests (申請) and their decisions.
  r.Add({"GET", "/api/v1/requests", ListRequests, full});
  r.Add({"POST", "/api/v1/requests", CreateRequest, full});
  r.Add({"GET", "/api/v1/requests/{id}", GetRequest, full});
  r.Add({"POST", "/api/v1/requests/{id}/submit", SubmitRequest, full});
  r.Add({"POST", "/api/v1/requests/{id}/approve", ApproveRequest, full});
  r.Add({"POST", "/api/v1/requests/{id}/reject", RejectRequest, full});
  r.Add({"POST", "/api/v1/requests/{id}/withdraw", WithdrawRequest, full});
  r.Add({"POST", "/api/v1/requests/{id}/complete", CompleteRequest, full});
  r.Add({"POST", "/api/v1/requests/{id}/report", ReportRequest, full});
  // Operations.
  r.Add({"GET", "/healthz", Healthz, pub});
  r.Add({"GET", "/readyz", Readyz, pub});
  r.Add({"GET", "/metrics", MetricsText, pub});
  return r;
}

std::vector<std::string> UploadPaths() { return {kAssetImportPath}; }

}  // namespace mamori::http

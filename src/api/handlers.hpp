// Every API v1 handler. Each parses and validates its input, calls one service, and maps the
// Result to a response; none touches SQL or Beast. Routes are bound in http/routes.cpp.
#pragma once

#include "api/app.hpp"

namespace mamori::api {

using Handler = Response (*)(App&, Call&);

// session_handlers.cpp
Response Login(App&, Call&);
Response Mfa(App&, Call&);
Response GetSession(App&, Call&);
Response Logout(App&, Call&);
Response ChangePassword(App&, Call&);
Response StartTotp(App&, Call&);
Response ConfirmTotp(App&, Call&);
Response ListMySessions(App&, Call&);
// The records awaiting the caller or escalated to them, across registers (task_handlers.cpp).
Response ListMyTasks(App&, Call&);
Response EndMySession(App&, Call&);
Response EndUserSessions(App&, Call&);

// directory_handlers.cpp
Response ListOrgUnits(App&, Call&);
Response CreateOrgUnit(App&, Call&);
Response ListUsers(App&, Call&);
Response CreateUser(App&, Call&);
Response GetUser(App&, Call&);
Response SuspendUser(App&, Call&);
Response ResumeUser(App&, Call&);
Response ResetUserPassword(App&, Call&);
Response DeleteUser(App&, Call&);
Response UpdateUser(App&, Call&);
Response GetUserHistory(App&, Call&);
Response ResetUserMfa(App&, Call&);
Response ListApproverVacancies(App&, Call&);
Response ListRoleAssignments(App&, Call&);
Response CreateRoleAssignment(App&, Call&);
Response DeleteRoleAssignment(App&, Call&);

// audit_handlers.cpp
Response ListAuditLog(App&, Call&);
Response VerifyAuditLog(App&, Call&);
Response ExportAuditLog(App&, Call&);
Response ExportAuditChain(App&, Call&);
Response GetPolicy(App&, Call&);

// audit_handlers.cpp (operations)
Response Healthz(App&, Call&);
Response Readyz(App&, Call&);
Response MetricsText(App&, Call&);
Response OpenApi(App&, Call&);

// asset_handlers.cpp: the asset register
Response ListAssets(App&, Call&);
Response CreateAsset(App&, Call&);
Response GetAsset(App&, Call&);
Response ExportAssets(App&, Call&);
Response AssetImportTemplate(App&, Call&);
Response ImportAssets(App&, Call&);
Response UpdateAsset(App&, Call&);
Response GetAssetHistory(App&, Call&);

// request_handlers.cpp
Response ListRequests(App&, Call&);
Response CreateRequest(App&, Call&);
Response GetRequest(App&, Call&);
Response SubmitRequest(App&, Call&);
Response ApproveRequest(App&, Call&);
Response RejectRequest(App&, Call&);
Response WithdrawRequest(App&, Call&);
Response CompleteRequest(App&, Call&);
Response ReportRequest(App&, Call&);

// register_handlers.cpp: every register of the pack (docs/registers.md); the route names the
// register in the `register` path parameter and a transition in `action`.
Response ListRegisters(App&, Call&);
Response ListRecords(App&, Call&);
Response CreateRecord(App&, Call&);
Response GetRecord(App&, Call&);
Response UpdateRecord(App&, Call&);
Response GetRecordHistory(App&, Call&);
Response TransitionRecord(App&, Call&);
Response ExportRecords(App&, Call&);
Response ImportRecords(App&, Call&);
// record_report.cpp: one record as an Excel report (its items, then its history).
Response ExportRecord(App&, Call&);
// notification_handlers.cpp
Response ListNotifications(App&, Call&);
Response ReadNotification(App&, Call&);
Response ReadAllNotifications(App&, Call&);

// attachment_handlers.cpp: files attached to register records (docs/registers.md, "Attachments").
Response AddAttachment(App&, Call&);
Response ListAttachments(App&, Call&);
Response GetAttachment(App&, Call&);
Response WithdrawAttachment(App&, Call&);

}  // namespace mamori::api

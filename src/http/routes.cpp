// The API v1 route table, in one place so the whole surface and its access rules read at once.
#include "http/router.hpp"

namespace mamori::http {
namespace {

// Routes that take a file upload; the server gives them the larger body limit.
constexpr char kAssetImportPath[] = "/api/v1/assets/import";

// The routes of one register of the pack (docs/registers.md), each naming it in `fixed`.
void AddRegisterRoutes(Router& r, const policy::RegisterSpec& spec) {
  using namespace api;
  const std::string base = "/api/v1/" + spec.path;
  const std::string& prefix = spec.log_prefix;
  const std::map<std::string, std::string> reg = {{"register", spec.id}};
  const auto full = Access::kSession;
  const std::string& t = spec.title;
  const std::string& te = spec.title_en;
  auto add = [&](Route route) -> Route& {
    route.fixed = reg;
    return r.Add(std::move(route));
  };
  add({"GET", base, ListRecords, full}).Doc(t + "の一覧", "List " + te);
  add({"POST", base, CreateRecord, full}).Logs(prefix + ".create").Doc(t + "への登録", "Create a record in " + te);
  // The register as files; before {id} so the literal paths win.
  add({"GET", base + "/export", ExportRecords, full}).Doc(t + "の出力（Excel・CSV）", "Export " + te + " (xlsx, CSV)");
  add({"POST", base + "/import", ImportRecords, full}).Logs(prefix + ".import").Upload()
      .Doc(t + "のCSV取込（全行か無しか）", "Import " + te + " from CSV (all rows or none)");
  add({"GET", base + "/{id}", GetRecord, full}).Doc(t + "の詳細", "Get a record of " + te);
  add({"PATCH", base + "/{id}", UpdateRecord, full}).Logs(prefix + ".update", spec.object)
      .Doc(t + "の変更（version による楽観的排他）", "Change a record of " + te + " (with version)");
  add({"GET", base + "/{id}/history", GetRecordHistory, full}).Doc(t + "の変更履歴", "History of a record of " + te);
  add({"GET", base + "/{id}/export", ExportRecord, full})
      .Doc(t + "の1件の報告書（Excel：項目と経過）", "One record of " + te + " as an Excel report (items and history)");
  if (spec.attachments) {
    // Files on a record (docs/registers.md, "Attachments"): the upload is the raw body.
    add({"GET", base + "/{id}/attachments", ListAttachments, full})
        .Doc(t + "の添付ファイル一覧", "Attachments of a record of " + te);
    add({"POST", base + "/{id}/attachments", AddAttachment, full}).Logs(prefix + ".attachment_add", spec.object).Upload()
        .Doc(t + "へのファイル添付（本文がファイル、?name=ファイル名）", "Attach a file to a record of " + te + " (the body is the file, ?name=)");
    add({"GET", base + "/{id}/attachments/{attachment_id}", GetAttachment, full})
        .Doc(t + "の添付ファイルのダウンロード", "Download an attachment of a record of " + te);
    add({"POST", base + "/{id}/attachments/{attachment_id}/withdraw", WithdrawAttachment, full})
        .Logs(prefix + ".attachment_withdraw", spec.object)
        .Doc(t + "の添付ファイルの取り下げ（ファイルは残る）", "Withdraw an attachment of " + te + " (the file is kept)");
  }
  if (!spec.workflow) return;
  for (const auto& tr : spec.workflow->transitions) {
    Route& route = add({"POST", base + "/{id}/transitions/" + tr.id, TransitionRecord, full});
    route.fixed["action"] = tr.id;
    route.Logs(prefix + "." + tr.id, spec.object).Doc(t + "：" + tr.label, te + ": " + tr.label_en);
  }
}

}  // namespace

Router ApiRoutes(const policy::PolicyPack* pack) {
  using namespace api;
  Router r;
  const auto pub = Access::kPublic;
  const auto full = Access::kSession;
  // Sign-in and the session. The steps that settle what a new session owes run while it is owed;
  // reading the session and the rules, and logging out, run at any step.
  r.Add({"POST", "/api/v1/session", Login, pub}).Logs("auth.login")
      .Doc("ログイン（ログインIDとパスワード）", "Sign in with login ID and password");
  r.Add({"POST", "/api/v1/session/mfa", Mfa, full, kMfaCode}).Logs("auth.mfa")
      .Doc("多要素認証の確認コード", "Give the MFA code");
  r.Add({"GET", "/api/v1/session", GetSession, full, kAnyStep})
      .Doc("現在のセッションと役割", "The current session and roles");
  r.Add({"DELETE", "/api/v1/session", Logout, full, kAnyStep}).Logs("auth.logout")
      .Doc("ログアウト", "Sign out");
  r.Add({"PUT", "/api/v1/me/password", ChangePassword, full, kPasswordChange}).Logs("user.password_change")
      .Doc("自分のパスワード変更", "Change my password");
  r.Add({"POST", "/api/v1/me/mfa/totp", StartTotp, full, kMfaEnrolment}).Logs("mfa.totp_enroll_start")
      .Doc("認証アプリ（TOTP）の登録開始", "Start TOTP enrolment");
  r.Add({"POST", "/api/v1/me/mfa/totp/confirm", ConfirmTotp, full, kMfaEnrolment}).Logs("mfa.totp_enroll_confirm")
      .Doc("認証アプリ（TOTP）の登録確認", "Confirm TOTP enrolment");
  r.Add({"GET", "/api/v1/openapi.json", OpenApi, pub})
      .Doc("このAPIのOpenAPI 3.1文書", "This API's OpenAPI 3.1 document");
  r.Add({"GET", "/api/v1/policy", GetPolicy, full, kAnyStep})
      .Doc("適用中のポリシーパック", "The policy pack in force");
  // "My sessions": a person's live sessions, and ending one of them.
  r.Add({"GET", "/api/v1/me/sessions", ListMySessions, full})
      .Doc("自分のログイン中のセッション", "My live sessions");
  r.Add({"GET", "/api/v1/me/tasks", ListMyTasks, full})
      .Doc("自分の対応待ち・エスカレーションされた記録", "Records awaiting me or escalated to me");
  r.Add({"DELETE", "/api/v1/me/sessions/{id}", EndMySession, full}).Logs("auth.session_end", "session")
      .Doc("自分のセッションの終了", "End one of my sessions");
  // Organisation, people and roles.
  r.Add({"GET", "/api/v1/org-units", ListOrgUnits, full})
      .Doc("組織の一覧", "List org units");
  r.Add({"POST", "/api/v1/org-units", CreateOrgUnit, full}).Logs("org.create")
      .Doc("組織の登録", "Create an org unit");
  r.Add({"GET", "/api/v1/users", ListUsers, full})
      .Doc("利用者の一覧", "List users");
  r.Add({"POST", "/api/v1/users", CreateUser, full}).Logs("user.create")
      .Doc("利用者IDの登録", "Create a user ID");
  r.Add({"GET", "/api/v1/users/{id}", GetUser, full})
      .Doc("利用者の詳細", "Get a user");
  r.Add({"DELETE", "/api/v1/users/{id}", DeleteUser, full}).Logs("user.delete", "user")
      .Doc("利用者IDの抹消", "Delete (抹消) a user ID");
  r.Add({"PATCH", "/api/v1/users/{id}", UpdateUser, full}).Logs("user.update", "user")
      .Doc("利用者の変更・異動（version による楽観的排他）", "Change or transfer a user (with version)");
  r.Add({"GET", "/api/v1/users/{id}/history", GetUserHistory, full})
      .Doc("利用者の変更履歴", "History of a user");
  r.Add({"POST", "/api/v1/users/{id}/reset-mfa", ResetUserMfa, full}).Logs("user.reset_mfa", "user")
      .Doc("認証アプリの再設定（特権利用者は承認が必要）", "Reset a user's authenticator (privileged: approved)");
  r.Add({"GET", "/api/v1/approver-vacancies", ListApproverVacancies, full})
      .Doc("承認者が不在の役割と範囲", "Approver roles nobody holds");
  r.Add({"POST", "/api/v1/users/{id}/suspend", SuspendUser, full}).Logs("user.suspend", "user")
      .Doc("利用者IDの停止", "Suspend a user ID");
  r.Add({"POST", "/api/v1/users/{id}/resume", ResumeUser, full}).Logs("user.resume", "user")
      .Doc("利用者IDの再開", "Resume a user ID");
  r.Add({"POST", "/api/v1/users/{id}/reset-password", ResetUserPassword, full}).Logs("user.reset_password", "user")
      .Doc("仮パスワードの再発行", "Reissue a temporary password");
  // An administrator ends every session of a user (users.manage over the user's unit).
  r.Add({"DELETE", "/api/v1/users/{id}/sessions", EndUserSessions, full}).Logs("user.sessions_end", "user")
      .Doc("利用者の全セッションの終了", "End all of a user's sessions");
  r.Add({"GET", "/api/v1/role-assignments", ListRoleAssignments, full})
      .Doc("役割の割当ての一覧", "List role assignments");
  r.Add({"POST", "/api/v1/role-assignments", CreateRoleAssignment, full}).Logs("role.assign")
      .Doc("役割の割当て", "Assign a role");
  r.Add({"DELETE", "/api/v1/role-assignments/{id}", DeleteRoleAssignment, full}).Logs("role.revoke", "role_assignment")
      .Doc("役割の割当ての取消し", "Revoke a role assignment");
  // Operation log.
  r.Add({"GET", "/api/v1/audit-log", ListAuditLog, full})
      .Doc("操作ログの検索", "Search the operation log");
  r.Add({"GET", "/api/v1/audit-log/verify", VerifyAuditLog, full})
      .Doc("操作ログの改ざん検証", "Verify the operation log");
  r.Add({"GET", "/api/v1/audit-log/export", ExportAuditLog, full})
      .Doc("操作ログの出力（CSV）", "Export the operation log (CSV)");
  r.Add({"GET", "/api/v1/audit-log/chain", ExportAuditChain, full})
      .Doc("検証用の操作ログ連鎖の出力（JSONL・CSV）", "Export the log chain for outside verification");
  // Assets and systems.
  r.Add({"GET", "/api/v1/assets", ListAssets, full})
      .Doc("情報資産の一覧", "List information assets");
  r.Add({"POST", "/api/v1/assets", CreateAsset, full}).Logs("asset.create")
      .Doc("情報資産の登録", "Register an information asset");
  // The register as files; before {id} so the literal paths win.
  r.Add({"GET", "/api/v1/assets/export", ExportAssets, full})
      .Doc("情報資産台帳の出力（Excel・CSV）", "Export the asset register (xlsx, CSV)");
  r.Add({"GET", "/api/v1/assets/import-template", AssetImportTemplate, full})
      .Doc("情報資産台帳の取込用ひな形", "Asset register import template");
  r.Add({"POST", kAssetImportPath, ImportAssets, full}).Logs("asset.import").Upload()
      .Doc("情報資産台帳のCSV取込", "Import the asset register from CSV");
  r.Add({"GET", "/api/v1/assets/{id}", GetAsset, full})
      .Doc("情報資産の詳細", "Get an information asset");
  r.Add({"PATCH", "/api/v1/assets/{id}", UpdateAsset, full}).Logs("asset.update", "asset")
      .Doc("情報資産の変更", "Change an information asset");
  r.Add({"GET", "/api/v1/assets/{id}/history", GetAssetHistory, full})
      .Doc("情報資産の変更履歴", "History of an information asset");
  // The information system ledger is a built-in register: its routes are the registers' (below).
  // The registers of the pack and their request types, described (docs/registers.md).
  r.Add({"GET", "/api/v1/registers", ListRegisters, full})
      .Doc("台帳と申請種別の一覧（項目・状態・遷移）", "Every register and request type: fields, states, transitions");
  // Requests (申請) and their decisions.
  r.Add({"GET", "/api/v1/requests", ListRequests, full})
      .Doc("申請の一覧", "List requests");
  r.Add({"POST", "/api/v1/requests", CreateRequest, full}).Logs("request.create")
      .Doc("申請の作成", "Create a request");
  r.Add({"GET", "/api/v1/requests/{id}", GetRequest, full})
      .Doc("申請の詳細", "Get a request");
  r.Add({"POST", "/api/v1/requests/{id}/submit", SubmitRequest, full}).Logs("request.submit", "request")
      .Doc("下書きの申請", "Submit a draft request");
  r.Add({"POST", "/api/v1/requests/{id}/approve", ApproveRequest, full}).Logs("request.approve", "request")
      .Doc("申請の承認", "Approve a request");
  r.Add({"POST", "/api/v1/requests/{id}/reject", RejectRequest, full}).Logs("request.reject", "request")
      .Doc("申請の却下", "Reject a request");
  r.Add({"POST", "/api/v1/requests/{id}/withdraw", WithdrawRequest, full}).Logs("request.withdraw", "request")
      .Doc("申請の取下げ", "Withdraw a request");
  r.Add({"POST", "/api/v1/requests/{id}/complete", CompleteRequest, full}).Logs("request.complete", "request")
      .Doc("完了の記録（返却日等）", "Record completion");
  r.Add({"POST", "/api/v1/requests/{id}/report", ReportRequest, full}).Logs("request.report", "request")
      .Doc("緊急時の例外措置の事後報告", "Report an emergency exception");
  // Notifications (docs/notifications.md): the caller's own.
  r.Add({"GET", "/api/v1/notifications", ListNotifications, full})
      .Doc("自分の通知（新しい順、未読数つき）", "My notifications, newest first, with the unread count");
  r.Add({"POST", "/api/v1/notifications/read-all", ReadAllNotifications, full}).Logs("notification.read_all")
      .Doc("自分の通知をすべて既読にする", "Mark all my notifications read");
  r.Add({"POST", "/api/v1/notifications/{id}/read", ReadNotification, full}).Logs("notification.read", "notification")
      .Doc("通知を既読にする", "Mark a notification read");
  // Operations.
  r.Add({"GET", "/healthz", Healthz, pub})
      .Doc("稼働確認", "Liveness");
  r.Add({"GET", "/readyz", Readyz, pub})
      .Doc("準備完了確認（データベース・操作ログ）", "Readiness (database, log chain)");
  r.Add({"GET", "/metrics", MetricsText, pub})
      .Doc("Prometheus形式のメトリクス", "Prometheus metrics");
  if (pack)
    for (const auto& spec : pack->registers) AddRegisterRoutes(r, spec);
  return r;
}

std::vector<std::string> UploadPaths(const Router& router) {
  std::vector<std::string> out;
  for (const Route& route : router.routes())
    if (route.upload) out.push_back(route.pattern);
  return out;
}

}  // namespace mamori::http

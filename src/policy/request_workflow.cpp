// The life cycle every request type follows (docs/registers.md): one transition table, which
// the request engine's guards and the actions offered to each reader both read.
#include "policy/pack.hpp"

namespace mamori::policy {

Workflow RequestWorkflow(const RequestType& t) {
  Workflow wf;
  wf.initial = "draft";
  auto state = [&](const char* id, const char* label, const char* label_en, bool final = false) {
    wf.states.push_back({.id = id, .label = label, .label_en = label_en, .final = final, .deadline = std::nullopt});
  };
  state("draft", "下書き", "Draft");
  state("submitted", "申請中", "Submitted");
  state("approved", "承認", "Approved");
  state("rejected", "却下", "Rejected", true);
  state("withdrawn", "取下げ", "Withdrawn", true);
  state("completed", "完了", "Completed", true);
  state("expired", "期限切れ", "Expired");
  state("executed", "実施済（報告待ち）", "Executed (report due)");
  state("reported", "報告済", "Reported");
  const Party requester{.kind = "creator", .role = "", .scope = "", .field = ""};
  // The approvers: each step's role over the scope it names (asset_owner, requester_unit, city or
  // system), never the requester (kobe:3.2.10ア). One step is a plain `by`; several are an
  // ordered chain (kobe:8.1.4), approved step by step by different people, and rejected by the
  // holder of whichever step is due.
  std::vector<Party> approvers;
  for (const auto& step : t.approvers.empty() ? std::vector<ApproverRule>{t.approver} : t.approvers)
    approvers.push_back({.kind = "role", .role = step.role, .scope = step.scope, .field = ""});
  auto add = [&](std::string id, std::string label, std::string label_en, std::vector<std::string> from, std::string to,
                 std::vector<Party> by, bool note_required = false) {
    Transition tr;
    tr.id = std::move(id);
    tr.label = std::move(label);
    tr.label_en = std::move(label_en);
    tr.from = std::move(from);
    tr.to = std::move(to);
    tr.by = std::move(by);
    tr.note_required = note_required;
    wf.transitions.push_back(std::move(tr));
    return &wf.transitions.back();
  };
  // An emergency exception (report_after) is executed first and reported afterwards.
  add("submit", "申請", "Submit", {"draft"}, t.report_after ? "executed" : "submitted", {requester});
  Transition* approve = add("approve", "承認", "Approve", {"submitted", "reported"}, "approved", {approvers.front()});
  if (approvers.size() > 1) {
    approve->by.clear();
    approve->chain = approvers;
  }
  add("reject", "却下", "Reject", {"submitted", "reported"}, "rejected", approvers, /*note_required=*/true);
  add("withdraw", "取下げ", "Withdraw", {"draft", "submitted"}, "withdrawn", {requester});
  if (t.report_after) {
    add("report", "事後報告", "Report", {"executed"}, "reported", {requester});
  } else {
    add("complete", "完了の記録", "Record completion", {"approved", "expired"}, "completed", {requester});
  }
  return wf;
}

bool Allows(const RequestType& t, const std::string& action, const std::string& state) {
  if (!t.workflow) return false;
  const Transition* tr = t.workflow->FindTransition(action);
  return tr && std::find(tr->from.begin(), tr->from.end(), state) != tr->from.end();
}

}  // namespace mamori::policy

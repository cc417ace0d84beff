// The request engine (申請): one state machine for every request type of the policy pack —
// form validation, deny rules, approver resolution with scope and delegation, separation of
// duties (kobe:3.2.10ア), asset state while a permission is in effect, and every step in the
// operation log.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/access.hpp"
#include "domain/asset_service.hpp"
#include "domain/env.hpp"
#include "domain/notifier.hpp"
#include "storage/request_repo.hpp"

namespace mamori::domain {

struct NewRequest {
  std::string type;
  std::vector<std::string> asset_ids;
  nlohmann::json fields = nlohmann::json::object();
  bool draft = false;
};

struct RequestQuery {
  std::string state{}, type{}, asset_id{};
  bool mine = false;   // only my own requests
  bool inbox = false;  // only requests waiting for my decision
  storage::Page page{};
};

// One step of a request's approval chain (a type with one approver has one step), as the
// request detail shows it: whose step it is and who took it.
struct ApprovalStep {
  std::string role;
  std::string scope_type;  // city | org_unit | system
  std::string scope_id;    // "" for city
  std::string scope_name;  // the unit's or the system's name ("" for city)
  std::string status;      // approved | due | rejected | pending
  std::string by;          // who approved (or rejected) it, "" while not taken
};

// The steps of `r`'s approval chain as resolved when it was filed (without their names).
std::vector<ApprovalStep> ApprovalChain(const storage::RequestRecord& r);

// What a person may do next with a request (for the UI to offer, and the server to enforce).
struct RequestView {
  storage::RequestRecord request;
  std::vector<ApprovalStep> chain;
  bool can_approve = false;
  bool can_withdraw = false;
  bool can_complete = false;
  bool can_submit = false;
  bool can_report = false;
};

// What approving a request whose type has an `effect` does, inside the approval's transaction
// (a failure rolls the approval back). `approver` is the person approving.
using RequestEffect = std::function<Status(storage::Connection& c, const Actor& approver,
                                           const storage::RequestRecord& r, const nlohmann::json& fields)>;

// An approver role that nobody (delegates included) holds in force over a scope where a
// request of these types could need it.
struct ApproverVacancy {
  std::string role;
  std::string scope_type;  // city | org_unit
  std::string scope_id;    // "" for city
  std::vector<std::string> request_types;
};

class RequestService {
 public:
  RequestService(Env& env, AssetService& assets)
      : env_(env), access_(env.pack), assets_(assets), notifier_(env) {}

  Result<RequestView> Create(const Actor& a, const NewRequest& in);
  Result<RequestView> Submit(const Actor& a, const std::string& id);
  Result<RequestView> Approve(const Actor& a, const std::string& id, const std::string& note);
  Result<RequestView> Reject(const Actor& a, const std::string& id, const std::string& note);
  Result<RequestView> Withdraw(const Actor& a, const std::string& id);
  Result<RequestView> Complete(const Actor& a, const std::string& id, const nlohmann::json& completion);
  // Emergency exceptions: the requester reports what was executed.
  Result<RequestView> Report(const Actor& a, const std::string& id, const std::string& note);
  Result<RequestView> Get(const Actor& a, const std::string& id);
  Result<std::pair<std::vector<RequestView>, int64_t>> List(const Actor& a, const RequestQuery& q);
  // Approved requests past their expiry date become expired; returns how many.
  Result<int64_t> ExpireDue();

  // Creates and submits a request inside the caller's transaction: the directory's second-person
  // grants and authenticator resets. The caller has checked its own permission; the form, the
  // approver and its vacancy are checked here as for any request.
  Result<RequestView> CreateIn(storage::Connection& c, const Actor& a, const NewRequest& in);
  // Registers what approval does for request types with this `effect` (set once at wiring).
  void SetEffect(const std::string& effect, RequestEffect fn) { effects_[effect] = std::move(fn); }
  // Every approver role and scope with nobody to approve (for holders of users.manage or
  // roles.manage at any scope).
  Result<std::vector<ApproverVacancy>> Vacancies(const Actor& a);

 private:
  // True when it is `a`'s turn: the step that is due is theirs (its role over its scope,
  // delegations included) and they took no earlier step of the chain.
  bool CanApprove(const Actor& a, const storage::RequestRecord& r, const OrgTree& tree) const;
  // True when `a` holds the role of the step that is due over its scope (whatever they did before).
  bool HoldsDueStep(const Actor& a, const storage::RequestRecord& r, const OrgTree& tree) const;
  // True when `a` holds any step's role over its scope or took a step: they may read the request.
  bool IsApprover(const Actor& a, const storage::RequestRecord& r, const OrgTree& tree) const;
  // With the sealed personal data fields opened (docs/sealing.md) and the chain's scope names.
  Result<RequestView> ViewOf(storage::Connection& c, const Actor& a, storage::RequestRecord r, const OrgTree& tree) const;
  // Resolves each approver step of `t` for the request (the system from the form's system
  // field or the assets'); fills the chain and the step that is due.
  Status ResolveChain(const policy::RequestType& t, storage::RequestRecord& r, const nlohmann::json& fields,
                      const std::string& requester_unit, const std::vector<storage::AssetRecord>& assets) const;
  // A stored form (or completion record) as JSON with its sealed fields opened.
  Result<nlohmann::json> OpenedForm(const std::string& id, std::string text) const;
  // Validates against the type's form, evaluates deny rules and resolves the approver.
  Status Check(storage::Connection& c, const Actor& a, const policy::RequestType& t, storage::RequestRecord& r,
               const nlohmann::json& fields);
  // Puts requester.* (employment type, unit, roles in force) into `ctx`; the requester's record.
  Result<storage::UserRecord> PutRequester(storage::Connection& c, const Actor& a, policy::Context& ctx) const;
  // The type's deny rules checked `at` "request" or "completion": the first that holds refuses.
  Status Deny(storage::Connection& c, const policy::RequestType& t, const std::string& at, const policy::Context& ctx,
              const std::vector<storage::AssetRecord>& assets) const;
  // Refuses (409, field "approver", code "vacant", naming the role and scope) a request whose
  // approver role nobody (delegates included) holds in force over its scope.
  Status RequireApprover(storage::Connection& c, const storage::RequestRecord& r, const OrgTree& tree);
  // Loads the request, runs `step` on it, stores it and logs `request.<action>`. `note` is the
  // decision's note for the log (a chain's intermediate step records it only there).
  Result<RequestView> Transition(const Actor& a, const std::string& id, const std::string& action,
                                 const std::function<Status(storage::Connection&, storage::RequestRecord&,
                                                            const policy::RequestType&, const OrgTree&)>& step,
                                 const std::string& note = "");
  // The notice of a step (docs/notifications.md): `request_submitted` to the approvers of the
  // step that is due (action "submit", or "next" once a step of a chain is approved),
  // `request_decided` to the requester ("approve", "reject").
  Status NotifyStep(storage::Connection& c, const Actor& a, const storage::RequestRecord& r,
                    const policy::RequestType& t, const OrgTree& tree, const std::string& action);

  Env& env_;
  Access access_;
  AssetService& assets_;
  Notifier notifier_;
  std::map<std::string, RequestEffect> effects_;
};

// Validates `in` against a form: every problem named "<prefix>.<field id>"; fills `ctx`
// with "<prefix>.<id>" values ("fields.<id>", "completion.<id>"). Unknown keys are unknown_field.
Status ValidateForm(const std::vector<policy::FieldDef>& form, const nlohmann::json& in, const std::string& prefix,
                    policy::Context* ctx);

}  // namespace mamori::domain

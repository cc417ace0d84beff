// The request engine (申請): one state machine for every request type of the policy pack —
// form validation, deny rules, approver resolution with scope and delegation, separation of
// duties (kobe:3.2.10ア), asset state while a permission is in effect, and every step in the
// operation log.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/access.hpp"
#include "domain/asset_service.hpp"
#include "domain/env.hpp"
#include "storage/request_repo.hpp"

namespace mamori::domain {

struct NewRequest {
  std::string type;
  std::vector<std::string> asset_ids;
  nlohmann::json fields = nlohmann::json::object();
  bool draft = false;
};

struct RequestQuery {
  std::string state, type, asset_id;
  bool mine = false;   // only my own requests
  bool inbox = false;  // only requests waiting for my decision
  storage::Page page;
};

// What a person may do next with a request (for the UI to offer, and the server to enforce).
struct RequestView {
  storage::RequestRecord request;
  bool can_approve = false;
  bool can_withdraw = false;
  bool can_complete = false;
  bool can_submit = false;
  bool can_report = false;
};

class RequestService {
 public:
  RequestService(Env& env, AssetService& assets) : env_(env), access_(env.pack), assets_(assets) {}

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

 private:
  bool CanApprove(const Actor& a, const storage::RequestRecord& r, const OrgTree& tree) const;
  RequestView ViewOf(const Actor& a, storage::RequestRecord r, const OrgTree& tree) const;
  // Validates against the type's form, evaluates deny rules and resolves the approver.
  Status Check(storage::Connection& c, const Actor& a, const policy::RequestType& t, storage::RequestRecord& r,
               const nlohmann::json& fields);
  // Puts requester.* (employment type, unit, roles in force) into `ctx`; the requester's record.
  Result<storage::UserRecord> PutRequester(storage::Connection& c, const Actor& a, policy::Context& ctx) const;
  // The type's deny rules checked `at` "request" or "completion": the first that holds refuses.
  Status Deny(storage::Connection& c, const policy::RequestType& t, const std::string& at, const policy::Context& ctx,
              const std::vector<storage::AssetRecord>& assets) const;
  Result<RequestView> Transition(const Actor& a, const std::string& id, const std::string& action,
                                 const std::function<Status(storage::Connection&, storage::RequestRecord&,
                                                            const policy::RequestType&, const OrgTree&)>& step);

  Env& env_;
  Access access_;
  AssetService& assets_;
};

// Validates `in` against a form: every problem named "<prefix>.<field id>"; fills `ctx`
// with "<prefix>.<id>" values ("fields.<id>", "completion.<id>"). Unknown keys are unknown_field.
Status ValidateForm(const std::vector<policy::FieldDef>& form, const nlohmann::json& in, const std::string& prefix,
                    policy::Context* ctx);

}  // namespace mamori::domain

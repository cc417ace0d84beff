// Requests (申請) as stored: one row per request, its assets, its form and completion fields
// as JSON text. Its history is the operation log's entries with target "request:<id>".
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/repos.hpp"

namespace mamori::storage {

struct RequestRecord {
  std::string id{};
  std::string type{};
  std::string requester_id{};
  std::string requester_org_unit_id{};
  std::string state{};  // draft | submitted | approved | rejected | withdrawn | completed | expired | executed | reported
  std::string fields{};      // JSON object
  std::string completion{};  // JSON object, "{}" until completed
  // The approver of the step that is due (the last step's once decided).
  std::string approver_role{};
  std::string approver_scope_type{};  // city | org_unit | system
  std::string approver_scope_id{};
  // Every step of the type's approval chain as resolved when filed: a JSON array of
  // {role, scope_type, scope_id}; one element for a type with a single approver.
  std::string approver_chain = "[]";
  int64_t step = 0;                      // approvals given so far
  std::vector<std::string> step_actors{};  // who gave them, in order
  std::string decided_by{};
  int64_t decided_at = 0;
  std::string decision_note{};
  std::string clause{};
  std::string expires_on{};  // JST date after which an approved request expires, or ""
  int64_t report_due_at = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  int64_t version = 1;
  std::vector<std::string> asset_ids{};
};

struct RequestFilter {
  std::string state{};
  std::string type{};
  std::string requester_id{};
  std::string asset_id{};
  // Approver inbox: submitted or reported requests whose approver role is one of these and
  // whose scope is city or one of `scope_ids`.
  bool inbox = false;
  std::vector<std::string> inbox_city_roles{};
  std::vector<std::pair<std::string, std::string>> inbox_unit_roles{};    // (role, org unit id)
  std::vector<std::pair<std::string, std::string>> inbox_system_roles{};  // (role, system id)
  std::string exclude_requester_id{};
  // Leaves out requests where this user already took a step of the approval chain.
  std::string exclude_step_actor_id{};
  // Visibility: requests of these requesters' units, or (all) when `all`.
  bool restrict_units = false;
  std::vector<std::string> unit_ids{};
  std::string or_requester_id{};  // always see one's own
};

class RequestRepo {
 public:
  explicit RequestRepo(Connection& c) : c_(c) {}
  Status Insert(const RequestRecord& r);
  // Writes state, fields, completion, approver and chain progress, decision, expiry, report due
  // and bumps version, when
  // the stored version equals r.version - 1 (optimistic lock); otherwise a conflict.
  Status Update(const RequestRecord& r);
  Result<std::optional<RequestRecord>> Get(const std::string& id);
  Result<std::vector<RequestRecord>> List(const RequestFilter& f, const Page& page);
  // id → type of the requests with these ids (unknown ids are left out).
  Result<std::map<std::string, std::string>> TypesOf(const std::vector<std::string>& ids);
  Result<int64_t> Count(const RequestFilter& f);
  // Approved requests whose expiry date is before `today`.
  Result<std::vector<std::string>> DueToExpire(const std::string& today);
  // Requests in effect (approved) for an asset, of types that change its state.
  Result<int64_t> CountOpenForAsset(const std::string& asset_id, const std::vector<std::string>& states);

 private:
  Status LoadAssets(RequestRecord& r);
  Connection& c_;
};

}  // namespace mamori::storage

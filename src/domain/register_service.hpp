// The register engine (docs/registers.md): one service for every register the pack describes —
// validation naming each bad field, scope and visibility, optimistic locking, the before/after
// diff in the operation log, history, the workflow's guards and offered actions, deadlines and
// notifications. It knows nothing of HTTP or SQL text; its storage is storage::RegisterRepo.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "domain/notifier.hpp"
#include "policy/registers.hpp"
#include "storage/register_repo.hpp"
#include "storage/repos.hpp"

namespace mamori::domain {

// A record with what its reader may do and the names of what it references.
struct RecordView {
  const policy::RegisterSpec* spec = nullptr;
  storage::RegisterRecord record;
  nlohmann::json values = nlohmann::json::object();  // field id → API value (sealed fields opened)
  std::map<std::string, std::string> names;          // reference field id → the record's name
  std::vector<const policy::Transition*> actions;    // transitions this reader may take now
  bool can_update = false;
  // Its deadline has passed and its state is not final (domain/register_children.hpp IsOverdue).
  bool overdue = false;
  // The register's repeat_count (docs/registers.md "Repeat count"), when it counts one.
  std::optional<int64_t> repeat_count;
};

struct RecordList {
  std::vector<RecordView> items;
  int64_t total = 0;
  // A sub-record register's list of one parent's children: whether the reader may add one.
  std::optional<bool> can_create;
};

// A record awaiting the reader — an action they may take now — or escalated to them (or to the
// person they deputise for): one line of GET /api/v1/me/tasks and of the home page.
struct Task {
  RecordView view;
  bool awaiting = false;          // the reader may take one of the record's transitions now
  int64_t escalation_level = 0;   // the highest level that told the reader (0: none)
  bool overdue = false;           // a deadline of its state has passed (or it escalated)
};

struct RecordQuery {
  std::string state;
  std::string q;
  std::map<std::string, std::string> eq;  // filter field id → value as given in the query
  storage::Page page;
  int fiscal_year = 0;  // ?fiscal_year=YYYY on a register with fiscal_year (0 = any)
};

struct RecordHistory {
  std::vector<storage::LogEntryRecord> items;  // newest first
  int64_t total = 0;
  // The acting people of `items` the reader may see, user id → name, as the operation log's
  // pages name them (domain/log_view.hpp ActorNames); absent: the system, or out of sight.
  std::map<std::string, std::string> actor_names;
};

struct RecordReport {
  RecordView view;
  RecordHistory history;  // oldest first
};

// A notification the engine asks to be sent inside the change's transaction (domain/notifier).
using RegisterNotice = Notice;
using NoticeSink = std::function<Status(storage::Connection& c, const RegisterNotice& n)>;

// The storage description of a register: one column per field, the filters and the scope
// columns indexed, the scope columns counted.
storage::TableSpec TableSpecOf(const policy::RegisterSpec& spec);

// The end of a deadline for a record entering `state` at `entered_at` (µs), or none when the
// state has none or its date field is empty.
std::optional<int64_t> DeadlineFor(const policy::StateDef& state, const nlohmann::json& values, int64_t entered_at);

class RegisterService {
 public:
  explicit RegisterService(Env& env);

  // Creates and extends every register's table (at start, after the migrations).
  Status EnsureTables();
  // Where notifications go: the Notifier (in-app and the e-mail outbox) unless a test sets another.
  void SetNoticeSink(NoticeSink sink) { notify_ = std::move(sink); }

  const policy::RegisterSpec* Find(const std::string& id) const { return env_.pack.FindRegister(id); }
  bool CanRead(const Actor& a, const policy::RegisterSpec& r) const;
  bool CanCreate(const Actor& a, const policy::RegisterSpec& r) const;

  Result<RecordView> Create(const Actor& a, const policy::RegisterSpec& r, const nlohmann::json& body);
  // Not visible and nonexistent look the same: not_found.
  Result<RecordView> Get(const Actor& a, const policy::RegisterSpec& r, const std::string& id);
  Result<RecordList> List(const Actor& a, const policy::RegisterSpec& r, const RecordQuery& q);
  // `body` carries `version` (required) and the fields to change. No change at all answers the
  // record as it is, unlogged.
  Result<RecordView> Update(const Actor& a, const policy::RegisterSpec& r, const std::string& id,
                            const nlohmann::json& body);
  // Takes transition `action` with `note` and the form's `fields`.
  Result<RecordView> Transition(const Actor& a, const policy::RegisterSpec& r, const std::string& id,
                                const std::string& action, const std::string& note, const nlohmann::json& fields);
  Result<RecordHistory> History(const Actor& a, const policy::RegisterSpec& r, const std::string& id,
                                const storage::Page& page);
  // Every record the reader may see under `q` (no paging), for the spreadsheet export; logged.
  Result<RecordList> Export(const Actor& a, const policy::RegisterSpec& r, RecordQuery q, const std::string& format);
  // One record and its history, oldest first (at most 2000 entries), for its report
  // (GET /api/v1/<r>/{id}/export; domain/register_report.cpp): seen as Get sees it, logged as
  // <prefix>.export on the record's target.
  Result<RecordReport> Report(const Actor& a, const policy::RegisterSpec& r, const std::string& id,
                              const std::string& format);
  // Creates every row of an import, or none: each row's fields as JSON (by field id), numbered
  // as the spreadsheet numbers them. A bad row's errors carry its row number.
  Result<int64_t> Import(const Actor& a, const policy::RegisterSpec& r,
                         const std::vector<std::pair<int64_t, nlohmann::json>>& rows);

  // For the operation log, inside the caller's read: id → title (the first text list column) of
  // the records of `r` among `ids` that `a` may see as Get would; the others are left out.
  Result<std::map<std::string, std::string>> VisibleTitles(storage::Connection& c, const Actor& a,
                                                           const policy::RegisterSpec& r,
                                                           const std::vector<std::string>& ids,
                                                           const OrgTree& tree) const;

  // Handles every deadline passed: notify, escalate or expire, once each. Returns how many.
  Result<int64_t> RunDeadlines();

  // Every record of every register that awaits an action of `a` or escalated to `a` (a deputy
  // counts as the person), overdue first, then by deadline (register_tasks.cpp).
  Result<std::vector<Task>> Tasks(const Actor& a);
  // For the engine's companions (attachments, domain/register_attachments): inside the caller's
  // transaction, record `id` when `a` sees it (not_found otherwise, as Get), and whether `a`
  // holds the register's manage permission over it.
  struct Seen {
    storage::RegisterRecord record;
    bool manages = false;
  };
  Result<Seen> SeenIn(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r, const std::string& id);

 private:
  struct Loaded;
  Result<Loaded> Load(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r, const std::string& id);
  Result<RecordView> ViewOf(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                            storage::RegisterRecord rec, const OrgTree& tree);
  Result<std::vector<RecordView>> ViewsOf(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                                          std::vector<storage::RegisterRecord> recs, const OrgTree& tree);
  // Whether `a` sees record `rec` (readers over its scope; its parties unless kept from them).
  bool Sees(const Actor& a, const policy::RegisterSpec& r, const storage::RegisterRecord& rec,
            const OrgTree& tree) const;
  bool Reaches(const Actor& a, const std::string& permission, const policy::RegisterSpec& r,
               const storage::RegisterRecord& rec, const OrgTree& tree) const;
  // Whether `a` may PATCH `rec`: the workflow's edit rules for its state when it has them, else
  // the manage permission over its scope or, for a sub-record, being a `create_by` party of its
  // parent (`parent_party`); never in a final state.
  bool MayEdit(const Actor& a, const policy::RegisterSpec& r, const storage::RegisterRecord& rec,
               const OrgTree& tree, bool parent_party = false) const;
  bool IsParty(const Actor& a, const policy::Party& p, const policy::RegisterSpec& r,
               const storage::RegisterRecord& rec, const OrgTree& tree) const;
  std::vector<const policy::Transition*> Offered(const Actor& a, const policy::RegisterSpec& r,
                                                 const storage::RegisterRecord& rec, const OrgTree& tree) const;
  Status CheckReferences(storage::Connection& c, const policy::RegisterSpec& r, const nlohmann::json& values,
                         const OrgTree& tree, const std::string& prefix, int64_t row) const;
  // `told`, when given, collects everyone a notice went to.
  Status Notify(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                const std::vector<policy::NotifyRule>& rules, const storage::RegisterRecord& rec,
                const nlohmann::json& values, const OrgTree& tree, std::vector<std::string>* told = nullptr);
  // Escalation and visibility (register_escalation.cpp, docs/registers.md "Escalation, tasks and
  // reporters"). An escalating deadline passed: tell the level due, remember who was told, and
  // set the next level's deadline when the pack gives one.
  Status Escalate(storage::Connection& c, const policy::RegisterSpec& r, const policy::Deadline& d,
                  const storage::RegisterRecord& rec, const nlohmann::json& values, const OrgTree& tree, int64_t now,
                  audit::Event& e);
  // Whether an escalation of the record told `a` or the person `a` deputises for.
  Result<bool> EscalatedTo(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                           const storage::RegisterRecord& rec) const;
  // restrict_by_asset: the record names an asset at or above the register's confidentiality and
  // `a` may not see that asset and is not of the record's chain (creator, a user field's person,
  // someone who may act now, someone it escalated to, someone who took a step of it).
  Result<bool> HiddenByAsset(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                             const storage::RegisterRecord& rec, const OrgTree& tree) const;
  // Sees(), then restrict_by_asset, then escalation: the whole visibility rule of one record.
  Result<bool> Visible(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                       const storage::RegisterRecord& rec, const OrgTree& tree) const;
  Result<storage::RegisterRecord> Stored(const policy::RegisterSpec& r, storage::RegisterRecord rec,
                                         const nlohmann::json& values) const;
  Result<nlohmann::json> Opened(const policy::RegisterSpec& r, const storage::RegisterRecord& rec) const;
  Result<RecordView> CreateIn(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                              const nlohmann::json& body, const OrgTree& tree, int64_t row);

  // Sub-records (register_children.cpp). Whether `a` sees `rec`: Sees, or for a child whether
  // `a` sees its parent.
  Result<bool> SeesIn(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                      const storage::RegisterRecord& rec, const OrgTree& tree) const;
  Result<std::optional<storage::RegisterRecord>> ParentRecord(storage::Connection& c, const policy::RegisterSpec& r,
                                                              const std::string& parent_id) const;
  // Whether `a` is one of the child register's parent.create_by parties of `parent`.
  bool IsCreateParty(const Actor& a, const policy::RegisterSpec& r, const storage::RegisterRecord& parent,
                     const OrgTree& tree) const;
  // The same for a child record `rec` (false for a register without parent).
  Result<bool> ParentParty(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                           const storage::RegisterRecord& rec, const OrgTree& tree) const;
  // The ids of the parents among `recs`' parents where `a` is a create_by party.
  Result<std::set<std::string>> ParentPartyOf(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                                              const std::vector<storage::RegisterRecord>& recs,
                                              const OrgTree& tree) const;
  // For a child's creation: the parent named in `values` exists and `a` sees it (else not_found
  // naming the field) and is not in a final state (else conflict); answers whether `a` is a
  // create_by party of it.
  Result<bool> CheckParentForCreate(storage::Connection& c, const Actor& a, const policy::RegisterSpec& r,
                                    const nlohmann::json& values, const OrgTree& tree) const;

  Env& env_;
  Access access_;
  std::map<std::string, storage::TableSpec> tables_;
  NoticeSink notify_;
};

}  // namespace mamori::domain

// Registers and workflows as pack data (docs/registers.md): a register is described once — its
// fields, scope, permissions, log actions and clause — and, optionally, the workflow its records
// follow (states, transitions with who may take them, deadlines and what they do when passed,
// notifications). The storage, service, API routes, OpenAPI document and web pages of every
// register come from this one description; nothing of a register is written in C++.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policy/expr.hpp"
#include "policy/register_attachments.hpp"

namespace mamori::policy {

// The item of `items` whose `id` is `id`, or nullptr: every Find of the pack's lists.
template <typename T>
const T* FindById(const std::vector<T>& items, const std::string& id) {
  for (const auto& item : items)
    if (item.id == id) return &item;
  return nullptr;
}

// The value types a register field may have. kOrgUnit, kUser, kSystem and kAsset hold the id of
// a record of that kind (checked to exist; the API answers its name beside it).
// kRecord holds the id of a record of the register's parent register (only as `parent.field`,
// docs/registers.md "Sub-records").
enum class RegisterFieldType { kText, kLongText, kInt, kDecimal, kDate, kDateTime, kBool, kChoice, kOrgUnit, kUser, kSystem, kAsset, kRecord };

// "text", "long_text", … as written in a pack and in GET /api/v1/registers.
const char* RegisterFieldTypeName(RegisterFieldType t);
// True for the types holding another record's id (org_unit, user, system, asset).
bool IsReference(RegisterFieldType t);

// Keys of a record's JSON that a field id may not take (docs/registers.md).
inline constexpr const char* kReservedFieldIds[] = {
    "id", "register", "state", "step", "version", "created_by", "created_at", "updated_at", "deadline_at",
    "available_actions", "can_update", "fields", "note", "q", "page", "per_page", "sort", "format",
    "repeat_count", "fiscal_year"};
// The first segments of mamori's own API paths: a register may not take one.
inline constexpr const char* kReservedPaths[] = {
    "approver-vacancies", "assets", "audit-log", "me", "openapi.json", "org-units", "policy", "requests",
    "role-assignments", "session", "systems", "users", "registers", "notifications", "metrics"};
// mamori's built-in registers (the information system ledger): a pack's register may not take
// their ids.
inline constexpr const char* kBuiltinRegisterIds[] = {"systems"};
// The prefixes of mamori's own operation-log actions: a register may not log under one.
inline constexpr const char* kReservedLogPrefixes[] = {
    "asset", "audit", "auth", "keys", "mfa", "org", "request", "role", "system", "user", "notification",
    "mail", "register", "policy", "backup", "log"};

struct Choice {
  std::string id;
  std::string label;
  std::string label_en;
  std::string help;     // explanation shown where the choice is picked
  std::string help_en;
};

struct RegisterField {
  std::string id;  // [a-z][a-z0-9_]*, ≤ 40 characters; also the storage column ("f_<id>")
  std::string label;
  std::string label_en;
  std::string help;  // shown under the input where the value is entered
  std::string help_en;
  RegisterFieldType type = RegisterFieldType::kText;
  bool required = false;
  // An optional field a PATCH may clear (with "" or null). false: once set, it can only change.
  bool clearable = true;
  // Set only by a transition's form (`sets`) or by the engine, never by POST or PATCH.
  bool read_only = false;
  // Offered as a list filter (?<id>=value, exact match) and indexed.
  bool filter = false;
  // Searched by the list's `q` (contains; text fields only, never sealed ones).
  bool search = false;
  // A column of the list page (the web kit shows these; the first is the record's title).
  bool list = false;
  // Stored AES-256-GCM sealed under the data key ring (docs/sealing.md); a sealed field cannot
  // be filtered, searched or sorted on.
  bool sealed = false;
  int max_length = 200;       // text: code points (long_text default 4000)
  int64_t min = INT64_MIN;    // int, and decimal's whole value
  int64_t max = INT64_MAX;
  int scale = 0;              // decimal: digits allowed after the point ("99.9" has 1)
  std::vector<Choice> choices;  // choice
  std::string heading;     // spreadsheet column heading (default: label)
  std::string heading_en;  // (default: label_en)
  const Choice* FindChoice(const std::string& id) const;
};

// Who may take a transition (one of a transition's `by` alternatives, or one step of a chain).
struct Party {
  // creator: whoever created the record; manage: the register's manage permission over the
  // record's scope; role: a role in force (delegations included) over `scope`; user_field: the
  // user a field of the record names (the borrower, the person a notice is addressed to).
  std::string kind;  // creator | manage | role | user_field
  std::string role;  // kind role
  // kind role: owner_unit (the record's owner section, or above it), system (a role scoped to the
  // record's system), creator_unit (the creator's section, or above), city (city-wide holders).
  std::string scope = "owner_unit";
  std::string field;  // kind user_field: a user field of the register
};

// Who a notification goes to; `template_id` names one of the pack's notification templates.
struct NotifyRule {
  std::vector<Party> to;  // creator | role (+scope) | user_field; `manage` is not a recipient
  std::string template_id;
  // Sent only when this holds (over record.*, actor.*, today, now; docs/registers.md
  // "Escalation, tasks and reporters"); empty: always.
  Expr when;
};

// One alternative of a deadline (`cases:`): when `when` holds over the record's values as it
// enters the state, the deadline falls by this case's timing instead of the default one.
struct DeadlineCase {
  Expr when;
  std::string field;
  int64_t after_minutes = 0;
  int fiscal_month = 0;
  int fiscal_day = 0;
};

// When a state's deadline falls, counted from the moment the record entered the state.
struct Deadline {
  std::string field;  // a date field: the end of that day (JST)
  int64_t after_minutes = 0;  // relative: "after: 14d", "after: 48h", "after: 30m"
  int fiscal_month = 0;  // per 年度: the next MM-DD (JST, end of day) on or after entering
  int fiscal_day = 0;
  std::string on_pass;  // notify | escalate | expire
  std::string to;       // expire: the state the record moves to
  std::vector<NotifyRule> notify;  // notify, escalate: who is told (escalate: the next level)
  // Alternatives tried in order before the timing above (which is then optional: without it and
  // without a matching case the state has no deadline for that record).
  std::vector<DeadlineCase> cases;
  // escalate: further levels, each `after` the previous one passed while the record is still in
  // the state (level 2, 3, …); the people each level tells become parties of the record.
  struct Level {
    int64_t after_minutes = 0;
    std::vector<NotifyRule> notify;
  };
  std::vector<Level> levels;
};

struct StateDef {
  std::string id;
  std::string label;
  std::string label_en;
  bool final = false;  // no transition leaves it
  std::optional<Deadline> deadline;
};

// What a transition does through the identity services besides moving the record (docs/registers.md
// "Effects"): suspend the ID of the user a field names, or end every role assignment they hold.
// Each is done as the actor, with the actor's own rights there, in the transition's transaction.
struct Effect {
  std::string kind;   // suspend_user | end_role_assignments
  std::string field;  // a user field of the register
};

struct Transition {
  std::string id;  // the action: POST /api/v1/<register>/{id}/transitions/<id>; log <prefix>.<id>
  std::string label;
  std::string label_en;
  std::vector<std::string> from;  // states it may be taken from
  std::string to;                 // the state it leads to
  std::vector<Party> by;          // any one of them may take it
  // Or an ordered chain of approvers: each step is taken by its party in turn (the record stays
  // in its state, its `step` advancing); the last step moves it to `to` (kobe:8.1.4).
  std::vector<Party> chain;
  // Register fields the transition's form sets (read-only fields are set only this way).
  std::vector<std::string> sets;
  std::vector<std::string> requires_fields;  // of `sets`: must be given
  // Register fields the transition empties (a return clears the borrower and the due date).
  std::vector<std::string> clears;
  bool note_required = false;
  Expr when;  // over record.*, form.*, actor.*: must hold, else 409 conflict
  // Refusals over record.*, form.*, actor.* (`field` names a form field for a 422).
  struct Deny {
    Expr when;
    std::string clause;
    std::string message;
    std::string message_en;
    std::string field;
  };
  std::vector<Deny> deny;
  std::vector<NotifyRule> notify;
  // Values the engine writes when the transition moves the record (`stamps:`): `now` (a
  // datetime or date field), `today` (a date field), `actor` (a user field: who took it) or a
  // fixed value of the field's type.
  struct Stamp {
    std::string field;
    std::string kind;   // now | today | actor | fixed
    std::string value;  // fixed: the value as the API writes it ("true"/"false" for bool)
  };
  std::vector<Stamp> stamps;
  // A note on the record that leaves it in its state (any of `from`, final ones too; without
  // `from`, every state): `to` is empty, the note is required, nothing is set or cleared and the
  // state's deadline runs on.
  bool keep_state = false;
  std::vector<Effect> effects;  // done in order, after the record is written
};

// An ordered approval chain's progress (kobe:8.1.4), shared by the register and request engines:
// `step` approvals have been given, by the people in `step_actors`, in order. One person never
// takes two steps of one chain.
// True when `user` may take the step that is due now of a chain of `steps` steps: the chain is
// not through and `user` has not taken an earlier step. (Whether `user` is the step's party is
// the engine's question.)
bool MayTakeStep(size_t steps, int64_t step, const std::vector<std::string>& step_actors, const std::string& user);
// Records `user`'s approval of the step that is due; true when it was the last one (the
// transition then moves the record to its `to` state).
bool TakeStep(size_t steps, int64_t& step, std::vector<std::string>& step_actors, const std::string& user);

struct Workflow {
  std::string initial;  // the state a new record starts in
  std::vector<StateDef> states;
  std::vector<Transition> transitions;
  // Who may PATCH a record in each state (`edit:`): when present, a state it does not list is
  // editable by no one (changes go through transitions); absent, the manage permission over the
  // record's scope edits any state that is not final.
  std::optional<std::vector<std::pair<std::string, std::vector<Party>>>> edit;
  const std::vector<Party>* EditorsOf(const std::string& state) const;
  const StateDef* FindState(const std::string& id) const;
  const Transition* FindTransition(const std::string& id) const;
};

// A sub-record register's parent (`parent:`): each record belongs to one record of the parent
// register, named by `field` (type record, required, fixed once created). A child is seen by
// exactly whoever sees its parent; it may be created by whoever holds the child's create
// permission over the child's scope, or is one of `create_by` (parties of the parent record), and
// sees the parent.
struct ParentSpec {
  std::string register_id;
  std::string field;
  std::vector<Party> create_by;
};

struct RegisterSpec {
  std::string id;     // [a-z][a-z0-9_]*: the register's key and its storage table "reg_<id>"
  std::string path;   // API path segment, /api/v1/<path> (default: id with '_' → '-')
  std::string title;
  std::string title_en;
  std::string clause;
  std::string log_prefix;  // operation-log actions <prefix>.create, .update, .<transition> (default id)
  std::string object;      // operation-log object kind: targets "<object>:<id>" (default id)
  // Permissions: read the register, and create and change its records; `create` defaults to
  // manage. A pack may name new permissions here; its roles grant them like any other.
  std::string read_permission;
  std::string manage_permission;
  std::string create_permission;
  // Who may create a record besides the permission: a condition over actor.* (kobe:9.5.1).
  Expr create_when;
  std::string create_clause;
  // Scope: the org_unit field whose value is the record's owner section (permissions reach a
  // record through its owner section or a unit above it), and the system field through which a
  // role scoped to that system reaches it. Both optional; without owner_unit a register is
  // city-wide (a city-scope grant reaches it, as does a unit grant on the creator's section).
  std::string owner_unit_field;
  std::string system_field;
  std::vector<RegisterField> fields;
  std::optional<Workflow> workflow;
  int retention_years = 5;
  // The list's order: "" for newest first, or a field (text, int, date, datetime or choice; ascending).
  std::string order_by;
  // Who sees a record besides the readers over its scope: its creator and the people its user
  // fields name (the borrower, the person a notice is addressed to). false: only the readers.
  bool visible_to_parties = true;
  // The records are the whole city's (an emergency contact list, kobe:9.4.3): every holder of
  // the read permission reads all of them, whatever the scope of the role granting it. Changing
  // them still needs the manage permission over the record's scope.
  bool shared = false;
  // A sub-record register: its parent register and the field naming the parent record.
  std::optional<ParentSpec> parent;
  // Who is told when a record is created (`create_notify:`, like a transition's notify).
  std::vector<NotifyRule> create_notify;
  // `repeat_count: {field: F}`: each record answers `repeat_count`, how many records of this
  // register created before it name the same value of the user field F (kobe:9.7.2イ: a breach
  // that recurs); transitions' conditions read it as record.repeat_count. "" = none.
  std::string repeat_field;
  // `fiscal_year:` the list and export take ?fiscal_year=YYYY (年度, April to March): by a date or
  // datetime field (`fiscal_year: {field: F}`) or by created_at (`fiscal_year: created_at`).
  bool fiscal_year = false;
  std::string fiscal_year_field;  // "" = created_at
  // Offered from the web app's shell ("report" button) to whoever may create; whoever may create
  // but not read lists the records they created (docs/registers.md "Escalation, tasks and
  // reporters").
  bool reportable = false;
  // A record whose asset field names an asset of at least this confidentiality is seen only by
  // those who may see that asset, and by the record's parties and escalated people (kobe:7.3).
  struct AssetRestriction {
    std::string field;
    int min_confidentiality = 0;
  };
  std::optional<AssetRestriction> restrict_by_asset;
  // Files attached to its records (`attachments:`, policy/register_attachments.hpp); none when unset.
  std::optional<AttachmentRules> attachments;

  // Set only for mamori's built-in registers (BuiltinRegisters), never by a pack:
  bool builtin = false;
  std::string table;                  // a table that predates the kit ("" = "reg_<id>")
  std::string column_prefix = "f_";   // its field columns' prefix ("" = the field's id)
  // The records are the systems themselves (the ledger): a role scoped to a system reaches that
  // system's record, and a party or notification over scope "system" means the record's own id.
  bool self_system = false;

  const RegisterField* FindField(const std::string& id) const;
  std::string Table() const { return table.empty() ? "reg_" + id : table; }
};

// A notification's subject and body, with {{record.<field>}}, {{record.id}}, {{register.title}},
// {{state.label}}, {{actor.name}}, {{link}} and {{deadline}} placeholders filled in.
struct NotificationTemplate {
  std::string id;
  std::string subject;
  std::string body;
  std::string subject_en;
  std::string body_en;
};

}  // namespace mamori::policy

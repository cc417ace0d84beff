// The policy pack: everything municipality-specific (roles, who may do what, authentication
// rules) loaded from YAML, validated once, then read-only for the life of the process.
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "policy/expr.hpp"
#include "policy/permissions.hpp"
#include "policy/registers.hpp"

namespace mamori::policy {

// The decision points whose governing clause a pack names in its `clauses` section.
inline constexpr const char* kClauseKeys[] = {
    "temporary_password",  // a temporary password must be changed at first use
    "id_lifecycle",        // IDs are registered, changed and deleted by the ID administrators
    "id_suspension",       // access stops at once when an ID is suspended
    "password_reset",      // an administrator issues a new temporary password
    "operation_log",       // logs are kept, checked and protected
    "requester_approver",  // whoever requests may not approve the same request
    "access_control",      // only those with the right may act (cited by refused changes)
    "sign_in_throttle",    // sign-in attempts are limited (cited by throttled sign-ins)
    "self_grant",          // nobody assigns a role to themself
    "last_administrator",  // the city keeps at least one holder of roles.manage
    "approver_vacant",     // a request needs someone who may approve it
    "system_ledger",       // the information system ledger is kept (the built-in register)
};

inline constexpr const char* kScopeTypes[] = {"city", "org_unit", "system"};

struct RoleDef {
  std::string id;
  std::string title;
  std::string title_en;
  std::string clause;
  std::vector<std::string> scopes;       // allowed scope types
  std::vector<std::string> permissions;
  bool privileged = false;
  // `grant: second_person`: an assignment takes effect only once another authorised person
  // approves it through the request type whose effect is role_assign (kobe:8.2.1イ(2)).
  bool second_person = false;
  // `on_transfer: keep`: an org-unit assignment survives its holder's transfer out of the unit
  // (default: a transfer ends the assignments scoped to the old unit).
  bool keep_on_transfer = false;
  // `independent: {clause}`: an assignment of this role may not cover the holder's own unit or
  // a unit or system where the holder has another role (auditor independence, kobe:3.2.10イ).
  bool independent = false;
  std::string independent_clause{};
};

struct SeparationRule {
  std::string role_a;
  std::string role_b;
  std::string clause;
};

// Each authentication section may list, in `city_choice`, the keys whose values the standard
// leaves to the city (the standard asks for a lockout, not for five attempts): shown as the
// city's own choice, not as the standard's requirement.
struct PasswordPolicy {
  std::string clause;
  std::vector<std::string> city_choice;
  int min_length = 8;
  int max_length = 128;
  int classes_required = 3;
  bool dictionary_check = true;
  bool reject_login_id = true;
  int history = 5;
  bool temporary_must_change = true;
  int privileged_max_age_days = 180;
  uint32_t argon2_memory_kib = 19456;
  uint32_t argon2_iterations = 2;
  // Words of the city's and the system's context no password may contain (the municipality's
  // name in romaji, kana and kanji, the system's name); see auth::PasswordRules.
  std::vector<std::string> context_words;
};

struct LockoutPolicy {
  std::string clause;
  std::vector<std::string> city_choice;
  int max_failures = 5;
  int lock_minutes = 30;
};

struct SessionPolicy {
  std::string clause;
  std::vector<std::string> city_choice;
  int idle_minutes = 15;
  int absolute_hours = 10;
};

enum class MfaRequirement { kAll, kPrivileged, kNone };

struct MfaPolicy {
  std::string clause;
  MfaRequirement required_for = MfaRequirement::kAll;
};

struct IdPolicy {
  std::string clause;
  std::vector<std::string> city_choice;
  int inactive_days = 90;
  // Employment types whose IDs must carry an expiry date (time-limited accounts).
  std::vector<std::string> expiry_required_for;
};

inline constexpr const char* kEmploymentTypes[] = {"regular",    "reappointed", "fixed_term",
                                                   "fiscal_year", "dispatched",  "contractor"};

struct AuthenticationPolicy {
  PasswordPolicy password;
  LockoutPolicy lockout;
  SessionPolicy session;
  MfaPolicy mfa;
  IdPolicy ids;
};

// One axis of the classification scheme (kobe:4.1): its levels, lowest first.
struct Dimension {
  std::string id;  // confidentiality | integrity | availability
  std::string label;     // 機密性
  std::string label_en;  // Confidentiality
  std::vector<int> levels;
  int Max() const { return levels.empty() ? 0 : levels.back(); }
};

struct Classification {
  std::string clause;
  std::vector<Dimension> dimensions;  // always confidentiality, integrity, availability
  Expr in_scope_when;                 // over asset.*: the standard applies (kobe:4.1.4ア)
  // Assets at or above this confidentiality are seen only with assets.read_restricted, or by
  // people of the owner section (kobe:4.2オ(2)); 0 = no restriction.
  int restricted_confidentiality = 0;
  std::string restricted_clause;
  const Dimension* Find(const std::string& id) const;
  // "機密性3・完全性2・可用性2" (or the English labels).
  std::string Label(int c, int i, int a, bool english = false) const;
};

// A field of a request form or of its completion record.
// kSystem holds the id of an information system of the ledger (checked to exist when filed); it
// is also where an approver scope `system` finds the request's system.
enum class FieldType { kText, kLongText, kDate, kInt, kBool, kChoice, kSystem };
// "text", "long_text", … as written in a pack and answered by the API.
const char* FieldTypeName(FieldType t);

struct FieldDef {
  std::string id;
  std::string label;
  std::string label_en;
  FieldType type = FieldType::kText;
  bool required = true;
  int max_length = 200;      // text
  int64_t min = INT64_MIN;   // int
  int64_t max = INT64_MAX;
  std::vector<std::string> choices;  // choice
};

// A rule that refuses outright. `at` says when it is checked: "request" (creating and
// submitting, reading fields.*, asset.*, requester.*) or "completion" (recording the
// completion, which may read completion.* as well). With `field` the refusal is a 422 naming
// that field (bad input: a return date before the take-out); without, a 403 policy_denied.
struct DenyRule {
  Expr when;
  std::string clause;
  std::string message;
  std::string message_en;
  std::string at = "request";  // request | completion
  std::string field;           // "" or "fields.<id>" / "completion.<id>"
};

// Who may file a request of a type (kobe:9.5.1: exceptions are asked for only by the
// administrators and section chiefs the clause names): a condition over requester.* that must
// hold, checked at create and submit; otherwise 403 policy_denied citing `clause`.
struct FiledBy {
  Expr when;  // empty: anyone holding requests.create
  std::string clause;
  std::string message;
  std::string message_en;
};

// Who approves: a role, over the scope taken from the request.
struct ApproverRule {
  std::string role;
  // asset_owner: the owner section of the (first) asset; requester_unit: the requester's unit;
  // city: a city-wide holder; system: a holder scoped to the request's system (its form's
  // system field, or else the system its assets share).
  std::string scope = "asset_owner";
};

struct RequestType {
  std::string id;
  std::string title;
  std::string title_en;
  std::string clause;
  std::string assets = "required";  // required | optional | none
  int max_assets = 20;
  Expr applies_when;  // when set and false for an asset, no permission is needed: 422 not_required
  // The first (or only) approver; `approvers` is the whole ordered chain (kobe:8.1.4: the
  // 統括責任者 and then the system's 業務システム責任者), one step per approval, each by a
  // different person. A pack writes either `approver:` (a chain of one) or `approvers:`.
  ApproverRule approver;
  std::vector<ApproverRule> approvers;
  // The form field of type system naming the request's system ("" = none; the assets' system).
  std::string system_field;
  std::vector<FieldDef> fields;
  FiledBy filed_by;
  std::vector<DenyRule> deny;
  std::vector<FieldDef> completion;
  std::string state_in_effect;    // asset state while approved and not completed ("" = unchanged)
  std::string state_on_complete;  // asset state after completion ("" = back to in_use)
  bool report_after = false;      // emergency exception: executed first, reported afterwards
  int report_within_hours = 0;
  std::string expires_field;      // a date field; past it an approved request expires
  int retention_years = 5;
  // The life cycle of a request of this type (docs/registers.md): the built-in request workflow
  // (domain/request_service.cpp) until the pack gives one.
  std::optional<Workflow> workflow;
  // What approval does besides recording the decision: "" (nothing), role_assign (the grant a
  // second person approves) or mfa_reset (clearing a privileged user's authenticator).
  std::string effect;
};

// The transition table every request of type `t` follows (policy/request_workflow.cpp): submit,
// approve, reject, withdraw, and complete — or, for an emergency exception, report.
Workflow RequestWorkflow(const RequestType& t);
// True when `t`'s table lets `action` be taken from `state`.
bool Allows(const RequestType& t, const std::string& action, const std::string& state);

// What role_grants.deny conditions may read.
inline constexpr const char* kGrantFields[] = {"grantee.employment_type", "grantee.org_unit_id", "role.id",
                                               "role.privileged", "role.second_person", "scope_type"};

// The request effects the server knows, and the form fields each one reads.
inline constexpr const char* kRequestEffects[] = {"role_assign", "mfa_reset"};

// A clause the pack accounts for without a rule of its own (for `mamori policy coverage`).
struct IndexedClause {
  std::string clause;
  std::string title;
  std::string handling;  // enforced | workflow | checklist | organisational
};

// What is sealed at rest (docs/sealing.md): for each kind of record, the fields stored
// AES-256-GCM sealed under the data key ring, and for assets the condition over asset.* that
// selects the records (Kobe: the restricted class, 機密性3). The server knows which fields of
// each kind can be sealed — those nothing is searched, sorted or decided on (kSealable*).
struct SealingRule {
  std::string kind{};                 // one of kSealedKinds
  Expr when{};                        // asset only; empty = every record of the kind
  std::string when_text{};            // as written, for docs
  std::vector<std::string> fields{};  // field ids of that kind
};

struct Sealing {
  std::vector<std::string> clauses;  // what requires it, each cited as the pack cites
  std::vector<SealingRule> rules;
  // nullptr when the pack seals nothing of `kind`.
  const SealingRule* Find(const std::string& kind) const;
  // True when `field` of `kind` is one the pack seals (regardless of `when`).
  bool Seals(const std::string& kind, const std::string& field) const;
};

// The record kinds a pack may seal: the register's assets, request forms and completion
// records (fields by their form id, for personal data such as a carrier's name), and incidents
// (issue 10's reports: the hook is the generic field codec, domain/sealing.hpp).
inline constexpr const char* kSealedKinds[] = {"asset", "request"};
// The asset fields that can be sealed: descriptive text nothing decides on. The levels, kind,
// owner, system and state stay plain — access control, counting and the request rules read them.
inline constexpr const char* kSealableAssetFields[] = {"name", "location", "handling"};

// A document the pack cites besides its own standard (the procurement's 特記事項, a ministry
// guideline, another body's contractor rules): clauses written "<prefix>:<number>" cite it.
struct Source {
  std::string prefix;  // "proc"
  std::string title;
  std::string title_en;
};

struct PolicyPack {
  std::string pack;  // short id used in clause citations ("kobe"), for clauses without a prefix
  std::vector<Source> sources;  // other documents, cited as "<prefix>:<clause>"
  std::string title;
  std::string title_en;
  std::string version;
  std::string municipality;  // name of the body the pack belongs to ("神戸市"), the org tree's root
  std::vector<RoleDef> roles;
  std::vector<SeparationRule> separation;
  AuthenticationPolicy auth;
  std::map<std::string, std::string> clauses;  // kClauseKeys → clause number
  Classification classification;
  std::vector<RequestType> request_types;
  std::vector<IndexedClause> clause_index;
  // `role_grants.deny`: conditions over grantee.* and role.* that refuse an assignment
  // (e.g. contractors may not hold privileged roles, kobe:8.2.1ウ(2)).
  std::vector<DenyRule> grant_deny;
  Sealing sealing;  // `sealing:`; empty = nothing sealed
  // `registers:` (docs/registers.md): the registers and workflows the pack defines.
  std::vector<RegisterSpec> registers;
  // `notification_templates:`: the subjects and bodies transitions and deadlines send.
  std::vector<NotificationTemplate> notification_templates;
  const RegisterSpec* FindRegister(const std::string& id) const;
  const NotificationTemplate* FindTemplate(const std::string& id) const;
  // Every permission a role of this pack may grant: the built-in kPermissions and those the
  // pack's registers name.
  std::vector<std::string> AllPermissions() const;
  const RequestType* FindRequestType(const std::string& id) const;
  // The request type whose approval has this effect, or nullptr.
  const RequestType* FindEffect(const std::string& effect) const;

  const RoleDef* FindRole(const std::string& id) const;
  // "kobe:8.2.5" for clause "8.2.5"; "proc:2(1)③" for a clause that already names one of the
  // pack's sources; "" for an empty clause.
  std::string Cite(const std::string& clause) const;
  const Source* FindSource(const std::string& prefix) const;
  // The citation for a decision point of kClauseKeys ("" when the pack names none).
  std::string CiteFor(const std::string& key) const;
};

// One problem found in a pack, with its 1-based line and column.
struct PackError {
  int line = 0;
  int column = 0;
  std::string message;
};

// Parses and validates pack text; `errors` receives every problem found (not just the first).
// Returns a pack only when there were none.
std::optional<PolicyPack> ParsePack(const std::string& text, std::vector<PackError>& errors);
// Loads a pack file; a broken pack is an Error whose detail lists "line N: reason" for each.
Result<PolicyPack> LoadPackFile(const std::string& path);

}  // namespace mamori::policy

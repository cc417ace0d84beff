#include "policy/registers.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "policy/pack.hpp"

namespace mamori::policy {
namespace {

std::string SourcePath(const std::string& rel) {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  return std::string(src ? src : ".") + "/" + rel;
}

// A minimal pack with one register; `registers` replaces the register's body.
std::string PackWith(const std::string& registers, const std::string& extra = "") {
  return R"(pack: test
title: t
version: "1"
municipality: テスト市
roles:
  infrastructure_manager: {title: a, scopes: [city], permissions: [users.manage, book.read, book.manage]}
  security_manager: {title: b, scopes: [city, org_unit], permissions: [users.read, book.read]}
authentication:
  password: {clause: "1", min_length: 10}
  lockout: {clause: "2", max_failures: 3, lock_minutes: 1}
  session: {idle_minutes: 5, absolute_hours: 1}
  mfa: {required_for: none}
classification:
  confidentiality: {label: 機密性, levels: [1, 2, 3]}
  integrity: {label: 完全性, levels: [1, 2]}
  availability: {label: 可用性, levels: [1, 2]}
notification_templates:
  reminded: {subject: "期限 {{record.title}}", body: "本文 {{link}}"}
)" + extra + "registers:\n" + registers;
}

const char* kBook = R"(  book:
    title: 台帳
    permissions: {read: book.read, manage: book.manage}
    scope: {owner_unit: unit}
    fields:
      title: {label: 件名, required: true, list: true, search: true}
      unit: {label: 所属, type: org_unit, required: true}
      holder: {label: 保持者, type: user, read_only: true}
      due_on: {label: 期限, type: date, read_only: true}
      level: {label: 区分, type: choice, choices: [{id: a, label: 甲, help: 重要}, b]}
    workflow:
      initial: open
      states:
        open: {label: 受付}
        held:
          label: 保持中
          deadline: {field: due_on, on_pass: notify, notify: [{to: [{user_field: holder}], template: reminded}]}
        closed: {label: 終了, final: true}
      transitions:
        hold: {label: 保持, from: [open], to: held, by: [manage], sets: [holder, due_on], requires: [holder]}
        close:
          label: 終了
          from: [open, held]
          to: closed
          chain: [{role: security_manager, scope: owner_unit}, {role: infrastructure_manager, scope: city}]
)";

std::vector<std::string> Errors(const std::string& text) {
  std::vector<PackError> errors;
  auto pack = ParsePack(text, errors);
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.message);
  if (pack) {
    EXPECT_TRUE(errors.empty());
  }
  return out;
}

bool AnyContains(const std::vector<std::string>& errors, const std::string& needle) {
  for (const auto& e : errors)
    if (e.find(needle) != std::string::npos) return true;
  return false;
}

TEST(RegistersTest, ARegisterWithItsWorkflowIsReadWhole) {
  std::vector<PackError> errors;
  auto pack = ParsePack(PackWith(kBook), errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : std::to_string(errors[0].line) + ": " + errors[0].message);
  const RegisterSpec* r = pack->FindRegister("book");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->path, "book");
  EXPECT_EQ(r->log_prefix, "book");
  EXPECT_EQ(r->create_permission, "book.manage");
  EXPECT_EQ(r->owner_unit_field, "unit");
  ASSERT_EQ(r->fields.size(), 5u);
  EXPECT_EQ(r->FindField("level")->choices[0].help, "重要");
  EXPECT_EQ(r->FindField("level")->choices[1].label, "b");
  EXPECT_TRUE(r->FindField("holder")->read_only);
  ASSERT_TRUE(r->workflow);
  EXPECT_EQ(r->workflow->initial, "open");
  const StateDef* held = r->workflow->FindState("held");
  ASSERT_TRUE(held && held->deadline);
  EXPECT_EQ(held->deadline->field, "due_on");
  EXPECT_EQ(held->deadline->notify[0].to[0].kind, "user_field");
  const Transition* close = r->workflow->FindTransition("close");
  ASSERT_NE(close, nullptr);
  ASSERT_EQ(close->chain.size(), 2u);
  EXPECT_EQ(close->chain[1].scope, "city");
  // The permissions the register names are the pack's to grant.
  const auto all = pack->AllPermissions();
  EXPECT_NE(std::find(all.begin(), all.end(), "book.manage"), all.end());
}

TEST(RegistersTest, TheSecondTownsLendingBookLoadsFromItsPack) {
  auto pack = LoadPackFile(SourcePath("tests/packs/sample_town.yaml"));
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  const RegisterSpec* r = pack->FindRegister("lending");
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->workflow);
  EXPECT_EQ(r->workflow->FindState("lent")->deadline->on_pass, "notify");
  EXPECT_NE(pack->FindTemplate("lending_overdue"), nullptr);
  EXPECT_TRUE(LoadPackFile(SourcePath("policy/kobe.yaml")).ok());
}

TEST(RegistersTest, EveryPackHasTheBuiltInSystemLedger) {
  for (const char* file : {"policy/kobe.yaml", "tests/packs/sample_town.yaml"}) {
    auto pack = LoadPackFile(SourcePath(file));
    ASSERT_TRUE(pack.ok()) << file << ": " << pack.error().detail;
    const RegisterSpec* r = pack->FindRegister("systems");
    ASSERT_NE(r, nullptr) << file;
    EXPECT_TRUE(r->builtin);
    EXPECT_EQ(r->path, "systems");
    EXPECT_EQ(r->log_prefix, "system");
    EXPECT_EQ(r->Table(), "information_systems");
    EXPECT_EQ(r->column_prefix, "");
    EXPECT_TRUE(r->self_system);
    EXPECT_FALSE(r->visible_to_parties);
    EXPECT_EQ(r->read_permission, "systems.read");
    EXPECT_EQ(r->manage_permission, "systems.manage");
    EXPECT_EQ(r->owner_unit_field, "owner_org_unit_id");
    const RegisterField* zone = r->FindField("network_zone");
    ASSERT_NE(zone, nullptr);
    // The three segments every municipality's network is split into, plus "other".
    std::vector<std::string> ids;
    for (const auto& c : zone->choices) ids.push_back(c.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"mynumber", "lgwan", "internet", "other"}));
  }
  // Kobe cites 8.3.1ウ: the security manager keeps the information system ledger.
  EXPECT_EQ(LoadPackFile(SourcePath("policy/kobe.yaml"))->FindRegister("systems")->clause, "8.3.1ウ");
  // A pack's own register may take neither the ledger's id nor its path.
  EXPECT_TRUE(AnyContains(Errors(PackWith(std::string(kBook).replace(2, 4, "systems"))), "built-in"));
}

TEST(RegistersTest, OrderAndVisibilityAreTheRegistersToSay) {
  std::string text = PackWith(std::string(kBook).replace(std::string(kBook).find("    fields:"), 0,
                                                         "    order_by: title\n    visible_to_parties: false\n"));
  std::vector<PackError> errors;
  auto pack = ParsePack(text, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(pack->FindRegister("book")->order_by, "title");
  EXPECT_FALSE(pack->FindRegister("book")->visible_to_parties);
  EXPECT_TRUE(pack->FindRegister("book")->Table() == "reg_book");
  for (const char* bad : {"order_by: nothing", "order_by: unit"}) {
    std::string t = PackWith(std::string(kBook).replace(std::string(kBook).find("    fields:"), 0,
                                                        std::string("    ") + bad + "\n"));
    EXPECT_TRUE(AnyContains(Errors(t), "order_by must name")) << bad;
  }
}

TEST(RegistersTest, ASharedRegisterIsSaidSoAndAnythingButABooleanIsRefused) {
  const size_t at = std::string(kBook).find("    fields:");
  std::vector<PackError> errors;
  auto pack = ParsePack(PackWith(std::string(kBook).replace(at, 0, "    shared: true\n")), errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  EXPECT_TRUE(pack->FindRegister("book")->shared);
  auto plain = ParsePack(PackWith(kBook), errors);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->FindRegister("book")->shared);
  EXPECT_FALSE(Errors(PackWith(std::string(kBook).replace(at, 0, "    shared: everyone\n"))).empty());
}

TEST(RegistersTest, APermissionNoRegisterNamesIsStillRefused) {
  std::string text = PackWith(kBook);
  text.replace(text.find("book.read, book.manage]"), 23, "book.read, book.delete]");
  EXPECT_TRUE(AnyContains(Errors(text), "unknown permission 'book.delete'"));
}

TEST(RegistersTest, MistakesAreEachReported) {
  struct Case {
    std::string from, to, message;
  } cases[] = {
      {"title: {label: 件名", "id: {label: 件名", "reserved"},
      {"type: org_unit, required: true}", "type: place, required: true}", ".type must be"},
      {"initial: open", "initial: opened", ".initial is not a state"},
      {"from: [open], to: held", "from: [closed], to: held", "state 'closed' is final"},
      {"to: held, by: [manage]", "to: gone, by: [manage]", "unknown state 'gone'"},
      {"template: reminded", "template: nothing", "unknown notification template"},
      {"{user_field: holder}], template", "{user_field: unit}], template", "not a user field"},
      {"requires: [holder]", "requires: [title]", "required but not in sets"},
      {"role: security_manager, scope: owner_unit", "role: nobody, scope: owner_unit", "unknown role 'nobody'"},
      {"on_pass: notify", "on_pass: shout", "on_pass must be"},
      {"{field: due_on, on_pass", "{field: title, on_pass", "not a date field"},
      {"by: [manage], sets", "sets", "needs either by or chain"},
      {"book:\n    title", "assets:\n    title", "one of mamori's own"},
      {"owner_unit: unit}", "owner_unit: title}", "scope.owner_unit must name"},
      {"list: true, search: true}", "list: true, search: true, sealed: true}", "sealed field cannot"},
  };
  for (const auto& tc : cases) {
    std::string text = PackWith(kBook);
    const size_t at = text.find(tc.from);
    ASSERT_NE(at, std::string::npos) << tc.from;
    text.replace(at, tc.from.size(), tc.to);
    EXPECT_TRUE(AnyContains(Errors(text), tc.message)) << tc.message;
  }
}

TEST(RegistersTest, ADeadlineTakesADateFieldADurationOrADayOfTheFiscalYear) {
  for (const char* d : {"{after: 14d, on_pass: expire, to: closed}", "{after: 48h, on_pass: expire, to: closed}",
                        "{fiscal: \"06-30\", on_pass: expire, to: closed}"}) {
    std::string text = PackWith(kBook);
    const std::string from = "{field: due_on, on_pass: notify, notify: [{to: [{user_field: holder}], template: reminded}]}";
    text.replace(text.find(from), from.size(), d);
    EXPECT_TRUE(Errors(text).empty()) << d;
  }
  for (const char* d : {"{after: 0d, on_pass: expire, to: closed}", "{fiscal: \"13-01\", on_pass: expire, to: closed}",
                        "{after: 1d, fiscal: \"06-30\", on_pass: expire, to: closed}", "{after: 1d, on_pass: expire}"}) {
    std::string text = PackWith(kBook);
    const std::string from = "{field: due_on, on_pass: notify, notify: [{to: [{user_field: holder}], template: reminded}]}";
    text.replace(text.find(from), from.size(), d);
    EXPECT_FALSE(Errors(text).empty()) << d;
  }
}


// A sub-record register of the book: its tasks, each with an owner, stamped when done, due by kind.
const char* kTasks = R"(  tasks:
    title: 作業
    permissions: {read: book.read, manage: book.manage}
    parent: {register: book, field: book_id, create_by: [{role: security_manager, scope: owner_unit}]}
    fields:
      book_id: {label: 台帳, type: record, required: true}
      what: {label: 内容, required: true, list: true}
      kind: {label: 種別, type: choice, choices: [urgent, normal]}
      owner: {label: 担当, type: user}
      done_at: {label: 完了日時, type: datetime, read_only: true}
      done_by: {label: 完了者, type: user, read_only: true}
    workflow:
      initial: open
      states:
        open:
          label: 未了
          deadline:
            cases: [{when: 'record.kind == "urgent"', after: 24h}]
            after: 3d
            on_pass: notify
            notify: [{to: [{user_field: owner}], template: reminded}]
        done: {label: 完了, final: true}
      transitions:
        finish: {label: 完了, from: [open], to: done, by: [{user_field: owner}], stamps: {done_at: now, done_by: actor}}
)";

TEST(RegistersTest, ASubRecordRegisterNamesItsParentAndItsTransitionsStampAndItsDeadlineHasCases) {
  std::vector<PackError> errors;
  auto pack = ParsePack(PackWith(std::string(kBook) + kTasks), errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  const RegisterSpec* tasks = pack->FindRegister("tasks");
  ASSERT_TRUE(tasks && tasks->parent);
  EXPECT_EQ(tasks->parent->register_id, "book");
  EXPECT_EQ(tasks->parent->field, "book_id");
  ASSERT_EQ(tasks->parent->create_by.size(), 1u);
  EXPECT_EQ(tasks->parent->create_by[0].role, "security_manager");
  const RegisterField* f = tasks->FindField("book_id");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, RegisterFieldType::kRecord);
  EXPECT_TRUE(f->filter) << "a parent's children are listed by the parent field";
  EXPECT_FALSE(f->clearable);
  const StateDef* open = tasks->workflow->FindState("open");
  ASSERT_TRUE(open && open->deadline);
  ASSERT_EQ(open->deadline->cases.size(), 1u);
  EXPECT_EQ(open->deadline->cases[0].after_minutes, 24 * 60);
  EXPECT_EQ(open->deadline->after_minutes, 3 * 24 * 60);
  const Transition* finish = tasks->workflow->FindTransition("finish");
  ASSERT_TRUE(finish);
  ASSERT_EQ(finish->stamps.size(), 2u);
  EXPECT_EQ(finish->stamps[0].field, "done_at");
  EXPECT_EQ(finish->stamps[0].kind, "now");
  EXPECT_EQ(finish->stamps[1].kind, "actor");
}

TEST(RegistersTest, SubRecordStampAndCaseMistakesAreEachReported) {
  struct Case {
    std::string from, to, message;
  } cases[] = {
      {"parent: {register: book,", "parent: {register: nothing,", "not a register written before"},
      {"field: book_id, create_by", "field: what, create_by", "required field of type record"},
      {"create_by: [{role: security_manager, scope: owner_unit}]", "create_by: [manage]", "manage is the child's own"},
      {"    parent: {register: book, field: book_id, create_by: [{role: security_manager, scope: owner_unit}]}\n", "",
       "needs the register's parent"},
      {"done_at: now", "done_at: actor", "actor needs a user field"},
      {"done_by: actor", "done_by: today", "today needs a date field"},
      {"done_at: now, done_by: actor", "done_at: now, what: \"\"", "fixed value"},
      {"stamps: {done_at: now, done_by: actor}", "stamps: {nothing: now}", "unknown field 'nothing'"},
      {"cases: [{when: 'record.kind == \"urgent\"', after: 24h}]", "cases: [{when: 'record.kind == \"urgent\"'}]",
       "exactly one of field, after or fiscal"},
      {"cases: [{when: 'record.kind == \"urgent\"', after: 24h}]", "cases: [{when: 'record.nothing == 1', after: 24h}]",
       "nothing"},
  };
  for (const auto& tc : cases) {
    std::string text = PackWith(std::string(kBook) + kTasks);
    const size_t at = text.find(tc.from);
    ASSERT_NE(at, std::string::npos) << tc.from;
    text.replace(at, tc.from.size(), tc.to);
    EXPECT_TRUE(AnyContains(Errors(text), tc.message)) << tc.message;
  }
  // A child of a child is refused.
  std::string nested = std::string(kTasks);
  nested.replace(nested.find("  tasks:"), 8, "  subtasks:");
  nested.replace(nested.find("register: book, field: book_id"), 30, "register: tasks, field: book_id");
  nested.replace(nested.find("create_by: [{role: security_manager, scope: owner_unit}]"), 56, "create_by: []");
  EXPECT_TRUE(AnyContains(Errors(PackWith(std::string(kBook) + kTasks + nested)), "is itself a sub-record register"));
}

// ---- The Kobe pack's incident, violation and response-procedure registers (docs/incidents.md).
// Each expectation writes the standard's roles and items out as the clauses give them; nothing is
// read from the pack and compared with itself.

class KobeRegistersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = LoadPackFile(SourcePath("policy/kobe.yaml"));
    ASSERT_TRUE(loaded.ok()) << loaded.error().detail;
    pack_ = new PolicyPack(std::move(*loaded));
  }
  static void TearDownTestSuite() {
    delete pack_;
    pack_ = nullptr;
  }
  static const RegisterSpec& Reg(const std::string& id) {
    const RegisterSpec* r = pack_->FindRegister(id);
    if (!r) throw std::runtime_error("no register " + id);
    return *r;
  }
  static const Transition& T(const RegisterSpec& r, const std::string& id) {
    const Transition* t = r.workflow ? r.workflow->FindTransition(id) : nullptr;
    if (!t) throw std::runtime_error("no transition " + id);
    return *t;
  }
  // "role@scope", "creator" or "user_field:F" for each party.
  static std::set<std::string> Names(const std::vector<Party>& parties) {
    std::set<std::string> out;
    for (const auto& p : parties)
      out.insert(p.kind == "role" ? p.role + "@" + p.scope : p.kind == "user_field" ? "user_field:" + p.field : p.kind);
    return out;
  }
  static std::set<std::string> Told(const std::vector<NotifyRule>& rules) {
    std::set<std::string> out;
    for (const auto& rule : rules)
      for (const auto& n : Names(rule.to)) out.insert(n);
    return out;
  }
  static bool Grants(const std::string& role, const std::string& permission) {
    const RoleDef* r = pack_->FindRole(role);
    return r && std::find(r->permissions.begin(), r->permissions.end(), permission) != r->permissions.end();
  }
  static inline PolicyPack* pack_ = nullptr;
};

TEST_F(KobeRegistersTest, AnIncidentReportHoldsTheNineItemsOfTheStandardWithTheSensitiveOnesSealed) {
  const RegisterSpec& r = Reg("incidents");
  EXPECT_EQ(pack_->Cite(r.clause), "kobe:7.3");
  // kobe:7.3.2ア–ケ, in order.
  std::vector<std::string> labels;
  for (const char* id : {"title", "discovered_at", "occurred_at", "informant", "details", "leaked_info", "assumed_cause",
                         "response_taken", "recovery_plan"}) {
    const RegisterField* f = r.FindField(id);
    ASSERT_NE(f, nullptr) << id;
    labels.push_back(f->label);
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"件名", "判明日時", "発生日時", "通報者", "事件事故等の内容",
                                              "漏えいした情報", "想定される原因", "事件事故等への対応", "復旧方針"}));
  EXPECT_EQ(r.FindField("discovered_at")->type, RegisterFieldType::kDateTime);
  EXPECT_EQ(r.FindField("occurred_at")->type, RegisterFieldType::kDateTime);
  // What happened, what leaked, and who told — personal data — are sealed at rest.
  for (const char* id : {"details", "leaked_info", "informant", "on_behalf_of"}) EXPECT_TRUE(r.FindField(id)->sealed) << id;
  EXPECT_FALSE(r.FindField("title")->sealed);
  // Links to the affected system and asset; the system's administrators reach the record.
  EXPECT_EQ(r.FindField("system_id")->type, RegisterFieldType::kSystem);
  EXPECT_EQ(r.FindField("asset_id")->type, RegisterFieldType::kAsset);
  EXPECT_EQ(r.system_field, "system_id");
  // The CSIRT's verdict is yes / no / not yet, and only a transition sets it (kobe:7.3.3ア).
  const RegisterField* verdict = r.FindField("is_incident");
  ASSERT_NE(verdict, nullptr);
  std::vector<std::string> ids;
  for (const auto& c : verdict->choices) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"yes", "no", "not_yet"}));
  for (const char* id : {"is_incident", "severity", "category", "instructions", "root_cause", "prevention_measures",
                         "ciso_instructions"})
    EXPECT_TRUE(r.FindField(id)->read_only) << id;
}

TEST_F(KobeRegistersTest, EveryStaffMemberAndContractorMayReportAndSeesOnlyWhatTheyReported) {
  const RegisterSpec& r = Reg("incidents");
  // kobe:7.3.1ア: 職員等 report; contractors' workers too (issue 10).
  EXPECT_TRUE(Grants("staff", r.create_permission));
  EXPECT_TRUE(Grants("contractor", r.create_permission));
  // Neither reads the register: a reporter sees their own report as its creator, nothing more.
  EXPECT_FALSE(Grants("staff", r.read_permission));
  EXPECT_FALSE(Grants("contractor", r.read_permission));
  EXPECT_TRUE(r.visible_to_parties);
  for (const auto& f : r.fields) EXPECT_NE(f.type, RegisterFieldType::kUser) << f.id << " would make someone else a party";
  // The record's owner is the reporter's section: that is whom the first hop reaches.
  EXPECT_EQ(r.owner_unit_field, "owner_org_unit_id");
  // CSIRT, the security manager, the director and the CISO see every report.
  for (const char* role : {"csirt", "security_manager", "security_director", "ciso"}) {
    EXPECT_TRUE(Grants(role, r.read_permission)) << role;
    EXPECT_EQ(pack_->FindRole(role)->scopes, std::vector<std::string>{"city"}) << role;
  }
}

TEST_F(KobeRegistersTest, AReportGoesFirstToTheReportersSection情報管理者AndEscalatesWhenNotAcknowledged) {
  const RegisterSpec& r = Reg("incidents");
  ASSERT_TRUE(r.workflow);
  // A draft can be saved; only its reporter submits it, which starts the clock.
  EXPECT_EQ(r.workflow->initial, "draft");
  const Transition& submit = T(r, "submit");
  EXPECT_EQ(Names(submit.by), std::set<std::string>{"creator"});
  EXPECT_EQ(Told(submit.notify), (std::set<std::string>{"information_manager@owner_unit", "creator"}));
  EXPECT_FALSE(Told(submit.notify).count("security_manager@city")) << "the chief comes first";
  const StateDef* reported = r.workflow->FindState(submit.to);
  ASSERT_TRUE(reported && reported->deadline);
  EXPECT_GT(reported->deadline->after_minutes, 0);
  EXPECT_EQ(reported->deadline->on_pass, "escalate");
  // Escalation goes up: the bureau's 情報責任者 and the 情報セキュリティ管理者.
  EXPECT_EQ(Told(reported->deadline->notify),
            (std::set<std::string>{"information_officer@owner_unit", "security_manager@city"}));
  // kobe:7.3.1イ: the 情報管理者 of that section acknowledges and reports to the security manager,
  // and to the linked system's administrator (ウ: who tells the system's owner).
  const Transition& ack = T(r, "acknowledge");
  EXPECT_EQ(ack.from, std::vector<std::string>{"reported"});
  EXPECT_EQ(Names(ack.by), std::set<std::string>{"information_manager@owner_unit"});
  const auto told = Told(ack.notify);
  for (const char* who : {"security_manager@city", "system_admin@system", "system_owner@system", "creator"})
    EXPECT_TRUE(told.count(who)) << who;
  // kobe:7.3.1エ: the 情報管理者 reports to the 情報責任者 too.
  EXPECT_TRUE(told.count("information_officer@owner_unit"));
  EXPECT_FALSE(told.count("ciso@city"));
  // Urgent or severe: straight to the CISO, with a note saying why.
  const Transition& urgent = T(r, "acknowledge_urgent");
  EXPECT_EQ(Names(urgent.by), std::set<std::string>{"information_manager@owner_unit"});
  EXPECT_TRUE(Told(urgent.notify).count("ciso@city"));
  EXPECT_TRUE(urgent.note_required);
}

TEST_F(KobeRegistersTest, TheSecurityManagerTellsTheDirectorAndTheCisoAndTheCsirtTriagesInstructsAndReports) {
  const RegisterSpec& r = Reg("incidents");
  // kobe:7.3.1オ.
  const Transition& receive = T(r, "receive");
  EXPECT_EQ(Names(receive.by), std::set<std::string>{"security_manager@city"});
  const auto told = Told(receive.notify);
  EXPECT_TRUE(told.count("security_director@city") && told.count("ciso@city"));
  // kobe:7.3.3ア/イ: the CSIRT (its lead is the security manager, 3.3.1ア) judges and tells the CISO.
  const Transition& triage = T(r, "triage");
  EXPECT_EQ(Names(triage.by), (std::set<std::string>{"csirt@city", "security_manager@city"}));
  EXPECT_EQ(triage.requires_fields, std::vector<std::string>{"is_incident"});
  EXPECT_TRUE(Told(triage.notify).count("ciso@city"));
  // kobe:7.3.3ウ: instructions go to the section's 情報管理者, only for an incident.
  const Transition& instruct = T(r, "instruct");
  EXPECT_EQ(Told(instruct.notify), std::set<std::string>{"information_manager@owner_unit"});
  EXPECT_EQ(instruct.when.ToString().empty(), false);
  // kobe:7.3.3エ: cause and prevention, both required, reported to the CISO.
  const Transition& measures = T(r, "report_measures");
  EXPECT_EQ(std::set<std::string>(measures.requires_fields.begin(), measures.requires_fields.end()),
            (std::set<std::string>{"root_cause", "prevention_measures"}));
  EXPECT_EQ(Told(measures.notify), std::set<std::string>{"ciso@city"});
  // kobe:7.3.3オ: only the CISO records the CISO's instructions.
  EXPECT_EQ(Names(T(r, "ciso_instruct").by), std::set<std::string>{"ciso@city"});
  // The reporter is told when it closes.
  EXPECT_TRUE(Told(T(r, "close").notify).count("creator"));
  EXPECT_TRUE(r.workflow->FindState("closed")->final);
}

TEST_F(KobeRegistersTest, ASection情報管理者RecordsAViolationTellsThePersonAndReportsToTheSecurityManager) {
  const RegisterSpec& r = Reg("violations");
  EXPECT_EQ(pack_->Cite(r.clause), "kobe:9.7.2");
  EXPECT_EQ(r.FindField("person")->type, RegisterFieldType::kUser);
  EXPECT_EQ(r.FindField("occurred_on")->type, RegisterFieldType::kDate);
  EXPECT_TRUE(r.FindField("rule_clause")->required);
  EXPECT_TRUE(r.FindField("guidance")->read_only);
  EXPECT_TRUE(Grants("information_manager", r.manage_permission));
  EXPECT_FALSE(Grants("staff", r.read_permission));
  // ア: the person is told; ウ: the security manager gets the report.
  EXPECT_EQ(Told(T(r, "notify_person").notify), std::set<std::string>{"user_field:person"});
  EXPECT_EQ(T(r, "give_guidance").requires_fields, std::vector<std::string>{"guidance"});
  EXPECT_EQ(Told(T(r, "report").notify), std::set<std::string>{"security_manager@city"});
  for (const char* t : {"notify_person", "give_guidance", "report"})
    EXPECT_EQ(Names(T(r, t).by), std::set<std::string>{"information_manager@owner_unit"}) << t;
  // The person named sees the notice addressed to them.
  EXPECT_TRUE(r.visible_to_parties);
  std::vector<std::string> path{r.workflow->initial};
  for (const char* t : {"notify_person", "give_guidance", "report"}) path.push_back(T(r, t).to);
  EXPECT_EQ(path, (std::vector<std::string>{"recorded", "notified", "guidance_given", "reported"}));
}

TEST_F(KobeRegistersTest, TheEmergencyContactsHaveTheirOrderAndTheProcedureReviewRemindsTheDirector) {
  const RegisterSpec& contacts = Reg("emergency_contacts");
  EXPECT_EQ(pack_->Cite(contacts.clause), "kobe:9.4.3");
  // kobe:9.4.3: section, title, telephone, e-mail and the order of calling; police and other
  // bodies besides the city and its contractors.
  for (const char* id : {"organization", "position", "phone", "email"}) EXPECT_NE(contacts.FindField(id), nullptr) << id;
  EXPECT_EQ(contacts.FindField("contact_order")->type, RegisterFieldType::kInt);
  EXPECT_TRUE(contacts.FindField("contact_order")->required);
  EXPECT_NE(contacts.FindField("kind")->FindChoice("police"), nullptr);
  EXPECT_NE(contacts.FindField("kind")->FindChoice("contractor"), nullptr);
  // kobe:9.4.5: the 統括責任者 reviews the procedure; reminded once a 年度.
  const RegisterSpec& reviews = Reg("procedure_reviews");
  EXPECT_EQ(pack_->Cite(reviews.clause), "kobe:9.4.5");
  const StateDef* in_force = reviews.workflow->FindState(reviews.workflow->initial);
  ASSERT_TRUE(in_force && in_force->deadline);
  EXPECT_GT(in_force->deadline->fiscal_month, 0);
  EXPECT_EQ(Told(in_force->deadline->notify), std::set<std::string>{"security_director@city"});
  EXPECT_EQ(Names(T(reviews, "record_review").by), std::set<std::string>{"security_director@city"});
  EXPECT_TRUE(Grants("security_director", reviews.manage_permission));
}

// ---- escalation, tasks and reporters (docs/registers.md) ---------------------------------------

const char* kEscalating = R"(  desk:
    title: 窓口
    reportable: true
    permissions: {read: book.read, manage: book.manage}
    scope: {owner_unit: unit}
    restrict_by_asset: {field: asset, min_confidentiality: 3}
    fields:
      title: {label: 件名, required: true}
      unit: {label: 所属, type: org_unit, required: true}
      asset: {label: 資産, type: asset}
      urgent: {label: 至急, type: bool}
    workflow:
      initial: open
      states:
        open:
          label: 受付
          deadline:
            after: 1h
            on_pass: escalate
            notify: [{to: [{role: security_manager, scope: owner_unit}], template: reminded}]
            levels:
              - {after: 2h, notify: [{to: [{role: infrastructure_manager, scope: city}], template: reminded}]}
              - after: 30m
                notify: [{to: [creator], template: reminded, when: record.urgent == true}]
        closed: {label: 終了, final: true}
      transitions:
        close:
          label: 終了
          from: [open]
          to: closed
          by: [manage]
          when: record.title != "" and now > "2000-01-01"
          notify: [{to: [creator], template: reminded, when: 'record.urgent == true and now > "2026-01-01"'}]
)";

TEST(RegistersTest, EscalationLevelsConditionalNoticesReportableAndAssetRestrictionAreRead) {
  std::vector<PackError> errors;
  auto pack = ParsePack(PackWith(kEscalating), errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : std::to_string(errors[0].line) + ": " + errors[0].message);
  const RegisterSpec* r = pack->FindRegister("desk");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->reportable);
  ASSERT_TRUE(r->restrict_by_asset);
  EXPECT_EQ(r->restrict_by_asset->field, "asset");
  EXPECT_EQ(r->restrict_by_asset->min_confidentiality, 3);
  const Deadline& d = *r->workflow->FindState("open")->deadline;
  ASSERT_EQ(d.levels.size(), 2u);
  EXPECT_EQ(d.levels[0].after_minutes, 120);
  EXPECT_EQ(d.levels[1].after_minutes, 30);
  EXPECT_EQ(d.levels[0].notify[0].to[0].role, "infrastructure_manager");
  EXPECT_TRUE(d.levels[0].notify[0].when.ToString().empty()) << "no condition: always";
  EXPECT_FALSE(d.levels[1].notify[0].when.ToString().empty());
  EXPECT_FALSE(r->workflow->FindTransition("close")->notify[0].when.ToString().empty());
  // Without the keys: not reportable, unrestricted, no levels.
  auto plain = ParsePack(PackWith(kBook), errors);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->FindRegister("book")->reportable);
  EXPECT_FALSE(plain->FindRegister("book")->restrict_by_asset);
}

TEST(RegistersTest, BadEscalationKeysAreNamedAtLoad) {
  auto with = [](const std::string& from, const std::string& to) {
    std::string text = kEscalating;
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("not in the sample: " + from);
    return PackWith(text.replace(at, from.size(), to));
  };
  EXPECT_TRUE(AnyContains(Errors(with("on_pass: escalate", "on_pass: notify")), ".levels is only for on_pass: escalate"));
  EXPECT_TRUE(AnyContains(Errors(with("{after: 2h, notify", "{after: soon, notify")), ".levels[0].after"));
  EXPECT_TRUE(AnyContains(Errors(with("restrict_by_asset: {field: asset,", "restrict_by_asset: {field: title,")),
                          "restrict_by_asset.field must name an asset field"));
  EXPECT_TRUE(AnyContains(Errors(with(", min_confidentiality: 3}", "}")), "min_confidentiality is required"));
  EXPECT_TRUE(AnyContains(Errors(with("min_confidentiality: 3", "min_confidentiality: 0")), "min_confidentiality"));
  EXPECT_FALSE(Errors(with("when: record.urgent == true}", "when: record.nosuch == true}")).empty())
      << "a condition may read only the register's fields";
  EXPECT_TRUE(AnyContains(Errors(with("reportable: true", "reportable: maybe")), "reportable"));
}

TEST_F(KobeRegistersTest, AnUnacknowledgedReportEscalatesToTheDirectorThenTheCisoAndReportersFindTheButton) {
  const RegisterSpec& r = Reg("incidents");
  EXPECT_TRUE(r.reportable) << "kobe:7.3.1ア: anyone who finds an incident reports it";
  const Deadline& d = *r.workflow->FindState("reported")->deadline;
  EXPECT_EQ(d.on_pass, "escalate");
  ASSERT_EQ(d.levels.size(), 2u);
  EXPECT_EQ(Told(d.levels[0].notify), std::set<std::string>{"security_director@city"});
  EXPECT_EQ(Told(d.levels[1].notify), std::set<std::string>{"ciso@city"});
  // kobe:7.3 with 4.2オ(2): a report on an asset of 機密性3 is kept to those who may see it.
  ASSERT_TRUE(r.restrict_by_asset);
  EXPECT_EQ(r.restrict_by_asset->field, "asset_id");
  EXPECT_EQ(r.restrict_by_asset->min_confidentiality, 3);
  // Violations are recorded by the 情報管理者, not reported from the shell.
  EXPECT_FALSE(Reg("violations").reportable);
}

TEST_F(KobeRegistersTest, TheInfrastructureManagerHearsOfACommonNetworkAndTheCisoOfAJudgedIncidentOnly) {
  const RegisterSpec& r = Reg("incidents");
  ASSERT_NE(r.FindField("common_network"), nullptr);
  EXPECT_EQ(r.FindField("common_network")->type, RegisterFieldType::kBool);
  for (const char* action : {"acknowledge", "acknowledge_urgent"}) {
    bool conditional_infra = false;
    for (const auto& rule : T(r, action).notify)
      for (const auto& p : rule.to)
        if (p.role == "infrastructure_manager")
          conditional_infra = rule.when.ToString().find("common_network") != std::string::npos;
    EXPECT_TRUE(conditional_infra) << action << ": kobe:7.3.1イ, only when a common network is involved";
  }
  for (const auto& rule : T(r, "triage").notify) {
    for (const auto& p : rule.to) {
      if (p.role == "ciso") {
        EXPECT_NE(rule.when.ToString().find("\"yes\""), std::string::npos) << "kobe:7.3.3イ: the CISO hears of an incident";
      }
    }
  }
}

}  // namespace
}  // namespace mamori::policy

namespace mamori::policy {
namespace {

// kBook with `insert` placed before `    fields:` (register keys) or as extra transitions.
std::string BookWith(const std::string& register_keys, const std::string& transitions = "",
                     const std::string& workflow_keys = "") {
  std::string book = kBook;
  book.replace(book.find("    fields:"), 0, register_keys);
  book.replace(book.find("      transitions:"), 0, workflow_keys);
  book.replace(book.find("      holder: {label: 保持者, type: user, read_only: true}"), 0,
               "      person: {label: 該当者, type: user, filter: true}\n");
  return PackWith(book + transitions);
}

}  // namespace

TEST(RegistersTest, EffectsNotesEditRulesRepeatCountsAndFiscalYearsAreReadAndChecked) {
  const std::string good = BookWith("    repeat_count: {field: person}\n    fiscal_year: {field: due_on}\n",
                                    "        stop:\n          label: 停止\n          from: [held]\n          to: closed\n"
                                    "          by: [{role: infrastructure_manager, scope: city}]\n"
                                    "          effects: [{suspend_user: person}, {end_role_assignments: holder}]\n"
                                    "          when: record.repeat_count >= 1\n"
                                    "        note: {label: メモ, keep_state: true, by: [manage]}\n",
                                    "      edit:\n        open: [creator]\n");
  std::vector<PackError> errors;
  auto pack = ParsePack(good, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  const RegisterSpec* r = pack->FindRegister("book");
  EXPECT_EQ(r->repeat_field, "person");
  EXPECT_TRUE(r->fiscal_year);
  EXPECT_EQ(r->fiscal_year_field, "due_on");
  const Transition* stop = r->workflow->FindTransition("stop");
  ASSERT_EQ(stop->effects.size(), 2u);
  EXPECT_EQ(stop->effects[0].kind, "suspend_user");
  EXPECT_EQ(stop->effects[1].field, "holder");
  const Transition* note = r->workflow->FindTransition("note");
  EXPECT_TRUE(note->keep_state);
  EXPECT_TRUE(note->note_required) << "a note without its text is nothing";
  EXPECT_TRUE(note->to.empty());
  EXPECT_EQ(note->from, (std::vector<std::string>{"open", "held", "closed"})) << "every state, the final one too";
  ASSERT_NE(r->workflow->EditorsOf("open"), nullptr);
  EXPECT_EQ(r->workflow->EditorsOf("open")->at(0).kind, "creator");
  EXPECT_EQ(r->workflow->EditorsOf("held"), nullptr) << "a state not listed is edited by no one";

  struct Case {
    std::string pack, message;
  } cases[] = {
      {BookWith("    repeat_count: {field: holder}\n"), "repeat_count.field must name a user field with filter"},
      {BookWith("    repeat_count: {field: title}\n"), "repeat_count.field must name"},
      {BookWith("    fiscal_year: {field: title}\n"), "fiscal_year.field must name a date"},
      {BookWith("    fiscal_year: yearly\n"), "must be a mapping"},
      {BookWith("", "        x: {label: x, from: [open], to: held, by: [manage], effects: [{suspend_user: title}]}\n"),
       "not a user field of the register"},
      {BookWith("", "        x: {label: x, from: [open], to: held, by: [manage], effects: [{delete_user: person}]}\n"),
       "unknown key 'delete_user'"},
      {BookWith("", "        x: {label: x, keep_state: true, to: held, by: [manage]}\n"), "has no `to`"},
      {BookWith("", "        x: {label: x, keep_state: true, by: [manage], sets: [holder]}\n"), "it has no sets"},
      {BookWith("", "", "      edit:\n        closed: [manage]\n"), "is final"},
      {BookWith("", "", "      edit:\n        gone: [manage]\n"), "unknown state 'gone'"},
      {BookWith("", "        x: {label: x, from: [open], to: held, by: [manage], when: record.repeat_count >= 1}\n"),
       "repeat_count"},
  };
  for (const auto& tc : cases) EXPECT_TRUE(AnyContains(Errors(tc.pack), tc.message)) << tc.message;
}

}  // namespace mamori::policy

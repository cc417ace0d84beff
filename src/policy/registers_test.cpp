#include "policy/registers.hpp"

#include <cstdlib>

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

}  // namespace
}  // namespace mamori::policy

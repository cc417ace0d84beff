#include "domain/register_service.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

using nlohmann::json;

// The Kobe pack with a register of its roles: a register of exceptions approved in turn by the
// section's 情報管理者 and a city-wide 情報セキュリティ管理者 (a chain), expiring 30 minutes after
// approval, with a reply due by a date field (notify) and a yearly review (fiscal).
policy::PolicyPack PackWithRegister() {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/policy/kobe.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  // The register's templates join the pack's own.
  const std::string templates = "notification_templates:\n";
  const size_t at = text.find(templates);
  if (at == std::string::npos) std::abort();
  text.insert(at + templates.size(), R"(  reply_due: {subject: "回答期限 {{record.title}}", body: "{{record.title}} の回答期限（{{record.reply_on}}）です {{link}}"}
  granted: {subject: "承認 {{record.title}}", body: "{{state.label}}"}
)");
  // The register joins the pack's own registers (the Kobe pack has some: docs/incidents.md).
  std::string body = R"(
  exemptions:
    title: 例外台帳
    permissions: {read: assets.read, manage: assets.manage}
    scope: {owner_unit: unit}
    fields:
      title: {label: 件名, required: true, search: true}
      unit: {label: 所属, type: org_unit, required: true, filter: true}
      holder: {label: 担当者, type: user}
      reply_on: {label: 回答期限, type: date}
      secret: {label: 内容, type: long_text, sealed: true}
    workflow:
      initial: asked
      states:
        asked:
          label: 申出中
          deadline: {field: reply_on, on_pass: notify, notify: [{to: [{user_field: holder}, {role: information_manager, scope: owner_unit}], template: reply_due}]}
        granted:
          label: 承認済
          deadline: {after: 30m, on_pass: expire, to: lapsed}
        reviewed:
          label: 見直し待ち
          deadline: {fiscal: "06-30", on_pass: escalate, notify: [{to: [{role: ciso, scope: city}], template: reply_due}]}
        lapsed: {label: 失効, final: true}
      transitions:
        grant:
          label: 承認
          from: [asked]
          to: granted
          chain: [{role: information_manager, scope: owner_unit}, {role: security_manager, scope: city}]
          notify: [{to: [creator], template: granted}]
        review: {label: 見直し, from: [granted], to: reviewed, by: [manage]}
        drop:
          label: 取下げ
          label_en: Drop
          from: [asked]
          to: lapsed
          by: [{role: ciso, scope: city}]
          deny:
            - when: form.note == "無効"
              clause: "9.5.1"
              message: この理由では取り下げられません
              message_en: This reason does not drop an exception
)";
  const std::string section = "\nregisters:\n";
  if (const size_t reg = text.find(section); reg != std::string::npos)
    text.insert(reg + section.size(), body.substr(1));
  else
    text += "\nregisters:" + body;
  std::vector<policy::PackError> errors;
  auto pack = policy::ParsePack(text, errors);
  if (!pack) {
    for (const auto& e : errors) ADD_FAILURE() << "line " << e.line << ": " << e.message;
    std::abort();
  }
  pack->auth.password.argon2_memory_kib = 64;
  pack->auth.password.argon2_iterations = 1;
  return *pack;
}

class RegisterServiceTest : public ::testing::Test {
 protected:
  RegisterServiceTest() : t(PackWithRegister()), svc(*t.env), spec(*t.pack.FindRegister("exemptions")) {
    svc.SetNoticeSink([this](storage::Connection&, const RegisterNotice& n) {
      notices.push_back(n);
      return Ok();
    });
    EXPECT_TRUE(svc.EnsureTables().ok());
    chief = Person("chief", t.section_a, "information_manager", "org_unit", t.section_a);
    sec = Person("sec", t.section_a, "security_manager", "city", "");
    ciso = Person("ciso", t.city, "ciso", "city", "");
    // One person holding both steps' roles may still take only one of them.
    both = Person("both", t.section_a, "information_manager", "org_unit", t.section_a);
    EXPECT_TRUE(t.Grant(both.user_id, "security_manager", "city", "").ok());
    both.roles.push_back({"r-both2", both.user_id, "security_manager", "city", "", "", "", "", 1, "t", 0, ""});
  }

  Actor Person(const std::string& login, const std::string& unit, const std::string& role, const std::string& scope_type,
               const std::string& scope_id) {
    auto u = t.AddUser(login, unit, "Unused#Pass-1234");
    EXPECT_TRUE(t.Grant(u.id, role, scope_type, scope_id).ok());
    Actor a;
    a.user_id = u.id;
    a.login_id = login;
    a.roles = {{"r-" + login, u.id, role, scope_type, scope_id, "", "", "", 1, "t", 0, ""}};
    return a;
  }

  RecordView Create(const json& body) {
    auto r = svc.Create(chief, spec, body);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return *r;
  }

  RecordView Fetch(const std::string& id) { return *svc.Get(chief, spec, id); }

  testing::TestEnv t;
  RegisterService svc;
  const policy::RegisterSpec& spec;
  std::vector<RegisterNotice> notices;
  Actor chief, sec, ciso, both;
};

TEST_F(RegisterServiceTest, AChainOfApproversActsInTurnAndNobodyTakesTwoSteps) {
  RecordView v = Create({{"title", "持出例外"}, {"unit", t.section_a}});
  const std::string id = v.record.id;
  ASSERT_EQ(v.actions.size(), 1u);
  EXPECT_EQ(v.actions[0]->id, "grant");
  // The second step's party may not go first.
  auto early = svc.Transition(sec, spec, id, "grant", "", json::object());
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::kForbidden);
  auto first = svc.Transition(both, spec, id, "grant", "課として了承", json::object());
  ASSERT_TRUE(first.ok()) << first.error().detail;
  EXPECT_EQ(first->record.state, "asked");
  EXPECT_EQ(first->record.step, 1);
  EXPECT_TRUE(first->actions.empty());  // `both` took step 1 and is not offered step 2
  auto twice = svc.Transition(both, spec, id, "grant", "", json::object());
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(notices.empty());  // nothing is announced until the chain ends
  auto second = svc.Transition(sec, spec, id, "grant", "", json::object());
  ASSERT_TRUE(second.ok()) << second.error().detail;
  EXPECT_EQ(second->record.state, "granted");
  EXPECT_EQ(second->record.step, 0);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].user_ids, std::vector<std::string>{chief.user_id});
  EXPECT_EQ(notices[0].template_id, "granted");
  EXPECT_EQ(notices[0].link, "/r/exemptions/" + id);
  EXPECT_TRUE(t.VerifyLog().ok);
}

TEST_F(RegisterServiceTest, ARelativeDeadlineExpiresTheRecordOnceAndIsLogged) {
  RecordView v = Create({{"title", "期限付き"}, {"unit", t.section_a}});
  ASSERT_TRUE(svc.Transition(chief, spec, v.record.id, "grant", "", json::object()).ok());
  ASSERT_TRUE(svc.Transition(sec, spec, v.record.id, "grant", "", json::object()).ok());
  EXPECT_EQ(*svc.RunDeadlines(), 0);
  t.clock.Advance(29 * kMicrosPerMinute);
  EXPECT_EQ(*svc.RunDeadlines(), 0);
  t.clock.Advance(2 * kMicrosPerMinute);
  const int64_t head = t.LogHead();
  EXPECT_EQ(*svc.RunDeadlines(), 1);
  EXPECT_EQ(Fetch(v.record.id).record.state, "lapsed");
  EXPECT_EQ(t.LogHead(), head + 1);
  EXPECT_EQ(*svc.RunDeadlines(), 0);  // handled once
  EXPECT_EQ(t.LogHead(), head + 1);
}

TEST_F(RegisterServiceTest, ADateFieldDeadlineNotifiesTheNamedPeopleOnceAfterTheDay) {
  const std::string today = t.env->Today();
  RecordView v = Create({{"title", "回答待ち"}, {"unit", t.section_a}, {"holder", sec.user_id}, {"reply_on", today}});
  ASSERT_TRUE(v.record.deadline_at.has_value());
  EXPECT_EQ(*svc.RunDeadlines(), 0);  // not before the day has ended
  t.clock.Advance(kMicrosPerDay);
  EXPECT_EQ(*svc.RunDeadlines(), 1);
  ASSERT_EQ(notices.size(), 1u);
  // The holder and the section's 情報管理者 (chief; `both` holds it too), each once.
  std::set<std::string> to(notices[0].user_ids.begin(), notices[0].user_ids.end());
  EXPECT_EQ(to, (std::set<std::string>{sec.user_id, chief.user_id, both.user_id}));
  EXPECT_EQ(notices[0].vars.at("record.title"), "回答待ち");
  EXPECT_EQ(notices[0].vars.at("record.reply_on"), today);
  EXPECT_EQ(notices[0].vars.count("record.secret"), 0u);  // sealed values never leave
  EXPECT_EQ(*svc.RunDeadlines(), 0);
  EXPECT_EQ(notices.size(), 1u);
  // Moving the date moves the deadline, which then passes again.
  auto moved = svc.Update(chief, spec, v.record.id, {{"version", Fetch(v.record.id).record.version}, {"reply_on", "2099-01-01"}});
  ASSERT_TRUE(moved.ok()) << moved.error().detail;
  EXPECT_FALSE(moved->record.deadline_done);
  EXPECT_EQ(*svc.RunDeadlines(), 0);
}

TEST_F(RegisterServiceTest, AFiscalDeadlineFallsOnTheNextThirtiethOfJune) {
  const policy::StateDef* reviewed = spec.workflow->FindState("reviewed");
  // 2026-09-15 (JST): the next 30 June is in 2027; the deadline is the end of that day.
  const int64_t entered = JstMidnightMicros({2026, 9, 15});
  EXPECT_EQ(DeadlineFor(*reviewed, json::object(), entered), JstMidnightMicros({2027, 7, 1}));
  // On 30 June itself, it is that day.
  EXPECT_EQ(DeadlineFor(*reviewed, json::object(), JstMidnightMicros({2027, 6, 30}) + kMicrosPerHour),
            JstMidnightMicros({2027, 7, 1}));
}

TEST_F(RegisterServiceTest, ASealedFieldIsStoredSealedAndOpenedForTheReader) {
  RecordView v = Create({{"title", "封印"}, {"unit", t.section_a}, {"secret", "個人の氏名"}});
  EXPECT_EQ(v.values["secret"], "個人の氏名");
  auto raw = t.tdb.db()->Read([&](storage::Connection& c) {
    return storage::RegisterRepo(c, TableSpecOf(spec)).Get(v.record.id);
  });
  ASSERT_TRUE(raw.ok() && raw->has_value());
  const std::string& stored = std::get<std::string>((*raw)->values.at("secret"));
  EXPECT_EQ(stored.find("個人の氏名"), std::string::npos);
}

TEST_F(RegisterServiceTest, TheSystemLedgerSpecDescribesTheTableStorageReads) {
  // The built-in ledger's spec (policy) and the table SystemRepo reads (storage) are one table.
  const policy::RegisterSpec* systems = t.pack.FindRegister("systems");
  ASSERT_NE(systems, nullptr);
  EXPECT_EQ(TableSpecOf(*systems), storage::SystemsTable());
}

TEST_F(RegisterServiceTest, KeysTheRecordAnswersAreReadOnlyNotUnknown) {
  const int64_t head = t.LogHead();
  auto r = svc.Create(chief, spec, {{"title", "t"}, {"unit", t.section_a}, {"id", "x"}, {"state", "granted"},
                                    {"version", 3}, {"unit_name", "x"}, {"created_at", "x"}, {"colour", "red"}});
  ASSERT_FALSE(r.ok());
  std::map<std::string, std::string> codes;
  for (const auto& e : r.error().fields) codes[e.field] = e.code;
  EXPECT_EQ(codes, (std::map<std::string, std::string>{{"colour", "unknown_field"},
                                                       {"created_at", "read_only"},
                                                       {"id", "read_only"},
                                                       {"state", "read_only"},
                                                       {"unit_name", "read_only"},
                                                       {"version", "read_only"}}));
  EXPECT_EQ(t.LogHead(), head);
}

TEST_F(RegisterServiceTest, ADenyRuleRefusesInJapaneseWithItsEnglishMessageBesideAndChangesNothing) {
  RecordView v = Create({{"title", "取下げの件"}, {"unit", t.section_a}});
  auto denied = svc.Transition(ciso, spec, v.record.id, "drop", "無効", json::object());
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPolicyDenied);
  EXPECT_EQ(denied.error().detail, "この理由では取り下げられません");
  EXPECT_EQ(denied.error().detail_en, "This reason does not drop an exception");
  EXPECT_EQ(denied.error().clause, "kobe:9.5.1");
  EXPECT_EQ(Fetch(v.record.id).record.state, "asked");
  EXPECT_EQ(Fetch(v.record.id).record.version, v.record.version);
}

TEST_F(RegisterServiceTest, AHistoryNamesItsActorsAsFarAsTheReaderSeesThem) {
  RecordView v = Create({{"title", "履歴の件"}, {"unit", t.section_a}});
  ASSERT_TRUE(svc.Transition(chief, spec, v.record.id, "grant", "", json::object()).ok());
  auto h = svc.History(chief, spec, v.record.id, {1, 50});
  ASSERT_TRUE(h.ok()) << h.error().detail;
  ASSERT_EQ(h->items.size(), 2u);
  for (const auto& e : h->items) EXPECT_EQ(e.actor, chief.user_id);
  // The reader is the actor: named.
  ASSERT_TRUE(h->actor_names.contains(chief.user_id));
  EXPECT_FALSE(h->actor_names.at(chief.user_id).empty());
  // A city-wide reader of people (security_manager holds users.read over the city) sees the name.
  auto by_sec = svc.History(sec, spec, v.record.id, {1, 50});
  ASSERT_TRUE(by_sec.ok()) << by_sec.error().detail;
  EXPECT_EQ(by_sec->actor_names, h->actor_names);
  // A reader of the record who may not see people (staff: assets.read, no users.read) gets no
  // name, as the operation log gives none; the entries are the same.
  Actor staff = Person("histstaff", t.section_a, "staff", "org_unit", t.section_a);
  auto by_staff = svc.History(staff, spec, v.record.id, {1, 50});
  ASSERT_TRUE(by_staff.ok()) << by_staff.error().detail;
  EXPECT_EQ(by_staff->items.size(), 2u);
  EXPECT_TRUE(by_staff->actor_names.empty());
}

TEST_F(RegisterServiceTest, AReaderOutsideTheScopeSeesNothing) {
  RecordView v = Create({{"title", "A課の件"}, {"unit", t.section_a}});
  Actor other = Person("otherchief", t.section_b, "information_manager", "org_unit", t.section_b);
  auto got = svc.Get(other, spec, v.record.id);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto listed = svc.List(other, spec, {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->total, 0);
  auto moved = svc.Create(other, spec, {{"title", "越境"}, {"unit", t.section_a}});
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, ErrorCode::kForbidden);
}

}  // namespace
}  // namespace mamori::domain

#include "domain/log_view.hpp"

#include <gtest/gtest.h>

#include "domain/log_service.hpp"
#include "domain/test_env.hpp"
#include "storage/request_repo.hpp"

namespace mamori::domain {
namespace {

constexpr const char* kPw = "Gr33n-Tea!Kyoto";

// Roles granting exactly what each reader needs, so the tests do not hang on the Kobe pack's
// distribution of permissions.
policy::PolicyPack TestPack() {
  policy::PolicyPack p = testing::KobePack();
  const std::vector<std::string> scopes{"city", "org_unit", "system"};
  auto role = [&](const char* id, std::vector<std::string> perms) {
    p.roles.push_back({id, id, id, "", scopes, std::move(perms), false});
  };
  role("t_log", {"audit.read"});
  role("t_log_all", {"audit.read", "org.read", "users.read", "assets.read", "assets.read_restricted", "systems.read"});
  role("t_log_assets", {"audit.read", "org.read", "assets.read"});
  role("t_manager", {"assets.read", "assets.manage", "assets.read_restricted", "systems.read", "systems.manage"});
  return p;
}

class LogViewTest : public ::testing::Test {
 protected:
  LogViewTest() : t_(TestPack()), logs_(*t_.env), assets_(*t_.env) {
    manager_ = ActorIn("manager", t_.section_a, {{"t_manager", "city"}});
    all_ = ActorIn("reader_all", t_.section_b, {{"t_log_all", "city"}});
    // Reads the log and the register, but not 機密性3 (kobe:4.2オ(2)), nor the user list.
    attacker_ = ActorIn("reader_some", t_.section_b, {{"t_log_assets", "city"}});
  }

  Actor ActorIn(const std::string& login, const std::string& unit, const std::vector<std::pair<std::string, std::string>>& grants) {
    const auto u = t_.AddUser(login, unit, kPw);
    Actor a;
    a.user_id = u.id;
    a.login_id = u.login_id;
    for (const auto& [role, scope] : grants)
      a.roles.push_back({NewId(), u.id, role, scope, "", "", "", "", 1, "t", 0, ""});
    return a;
  }

  storage::AssetRecord MakeAsset(const std::string& name, int64_t confidentiality) {
    NewAsset n;
    n.name = name;
    n.kind = "electronic_data";
    n.owner_org_unit_id = t_.section_a;
    n.confidentiality = confidentiality;
    n.integrity = 1;
    n.availability = 1;
    n.location = name + "の保管庫";
    auto r = assets_.Create(manager_, n);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return r.ok() ? *r : storage::AssetRecord{};
  }

  Status Record(audit::Event e) {
    return t_.tdb.db()->Write([&](storage::Connection& c) { return t_.env->log.Record(c, e); });
  }

  LogPage List(const Actor& a, storage::LogFilter f = {}, bool english = false) {
    auto r = logs_.List(a, std::move(f), {1, 200}, false, english);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return r.ok() ? *r : LogPage{};
  }

  static const LogEntryView* Find(const LogPage& p, const std::string& action, const std::string& target) {
    for (const auto& v : p.items)
      if (v.entry.action == action && v.entry.target == target) return &v;
    return nullptr;
  }

  testing::TestEnv t_;
  LogService logs_;
  AssetService assets_;
  Actor manager_, all_, attacker_;
};

TEST_F(LogViewTest, NamesTheActorTheAssetAndTheUnitsOfItsDetail) {
  const auto asset = MakeAsset("防災計画書", 2);
  const LogPage page = List(all_);
  const LogEntryView* v = Find(page, "asset.create", "asset:" + asset.id);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->actor_name, "名前");
  EXPECT_EQ(v->target_type, "asset");
  EXPECT_EQ(v->target_id, asset.id);
  EXPECT_EQ(v->target_label, "防災計画書");
  EXPECT_FALSE(v->target_hidden);
  EXPECT_FALSE(v->detail_withheld);
  EXPECT_NE(v->entry.detail.find("防災計画書"), std::string::npos);
  ASSERT_TRUE(v->refs.count("org_unit:" + t_.section_a));
  EXPECT_EQ(v->refs.at("org_unit:" + t_.section_a), std::optional<std::string>("A課"));
}

TEST_F(LogViewTest, ARestrictedAssetIsNeitherNamedNorDescribedToAReaderWhoMayNotSeeIt) {
  const auto secret = MakeAsset("極秘の住民名簿", 3);
  const auto open = MakeAsset("庁内配布資料", 2);
  ASSERT_TRUE(Record([&] {
                audit::Event e = manager_.Event("request.create", "request:r1");
                e.detail = {{"type", "take_out"}, {"asset_ids", {secret.id, open.id}}};
                return e;
              }())
                  .ok());

  const LogPage seen = List(attacker_);
  const LogEntryView* hidden = Find(seen, "asset.create", "asset:" + secret.id);
  ASSERT_NE(hidden, nullptr);
  EXPECT_TRUE(hidden->target_hidden);
  EXPECT_EQ(hidden->target_label, "閲覧権限のない情報資産");
  EXPECT_TRUE(hidden->detail_withheld);
  EXPECT_EQ(hidden->entry.detail, "") << "the detail holds the name and location";
  EXPECT_EQ(hidden->entry.hash.size(), 64u) << "the entry itself is still listed";
  const LogEntryView* shown = Find(seen, "asset.create", "asset:" + open.id);
  ASSERT_NE(shown, nullptr);
  EXPECT_EQ(shown->target_label, "庁内配布資料") << "what the reader may see stays named";
  const LogEntryView* req = Find(seen, "request.create", "request:r1");
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(req->refs.at("asset:" + secret.id), std::nullopt);
  EXPECT_EQ(req->refs.at("asset:" + open.id), std::optional<std::string>("庁内配布資料"));
  EXPECT_EQ(req->refs.at("request_type:take_out"), std::optional<std::string>("情報資産の持ち出し"));
  for (const auto& v : seen.items) {
    EXPECT_EQ(v.target_label.find("極秘"), std::string::npos) << v.entry.action;
    EXPECT_EQ(v.entry.detail.find("極秘"), std::string::npos) << v.entry.action;
    for (const auto& [k, name] : v.refs) EXPECT_TRUE(!name || name->find("極秘") == std::string::npos) << k;
  }

  // The same entry, to a reader who may see 機密性3.
  const LogPage all = List(all_);
  const LogEntryView* full = Find(all, "asset.create", "asset:" + secret.id);
  ASSERT_NE(full, nullptr);
  EXPECT_EQ(full->target_label, "極秘の住民名簿");
  EXPECT_FALSE(full->detail_withheld);
}

TEST_F(LogViewTest, PeopleAreNamedOnlyToReadersOfTheUserList) {
  const auto target = t_.AddUser("tanaka", t_.section_a, kPw);
  ASSERT_TRUE(Record(manager_.Event("user.suspend", "user:" + target.id)).ok());
  const LogPage ja = List(all_), en_page = List(all_, {}, true), some = List(attacker_);
  const LogEntryView* named = Find(ja, "user.suspend", "user:" + target.id);
  ASSERT_NE(named, nullptr);
  EXPECT_EQ(named->target_label, "名前（tanaka）");
  EXPECT_EQ(named->actor_name, "名前");
  const LogEntryView* en = Find(en_page, "user.suspend", "user:" + target.id);
  ASSERT_NE(en, nullptr);
  EXPECT_EQ(en->target_label, "名前 (tanaka)");
  const LogEntryView* bare = Find(some, "user.suspend", "user:" + target.id);
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->target_label, "tanaka") << "the login ID only (the log shows login IDs anyway)";
  EXPECT_EQ(bare->actor_name, "");
}

TEST_F(LogViewTest, ARequestIsNamedByItsTypeTitleAndShortId) {
  ASSERT_TRUE(Record(manager_.Event("request.approve", "request:0123456789abcdef")).ok());
  const LogPage page = List(all_);
  const LogEntryView* v = Find(page, "request.approve", "request:0123456789abcdef");
  ASSERT_NE(v, nullptr);
  // Unknown to the request table: the generic word and the short id.
  EXPECT_EQ(v->target_label, "申請（#01234567）");

  ASSERT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) {
    return storage::RequestRepo(c).Insert({.id = "fedcba9876543210",
                                           .type = "take_out",
                                           .requester_id = manager_.user_id,
                                           .requester_org_unit_id = t_.section_a,
                                           .state = "submitted",
                                           .fields = "{}",
                                           .completion = "{}",
                                           .created_at = 1,
                                           .updated_at = 1});
  }).ok());
  ASSERT_TRUE(Record(manager_.Event("request.create", "request:fedcba9876543210")).ok());
  const LogPage ja = List(all_), en = List(all_, {}, true);
  const LogEntryView* known = Find(ja, "request.create", "request:fedcba9876543210");
  ASSERT_NE(known, nullptr);
  EXPECT_EQ(known->target_label, "情報資産の持ち出し（#fedcba98）");
  const LogEntryView* known_en = Find(en, "request.create", "request:fedcba9876543210");
  ASSERT_NE(known_en, nullptr);
  EXPECT_EQ(known_en->target_label, "Taking an asset out of the office (#fedcba98)");
}

TEST_F(LogViewTest, FiltersByTargetTypeWithLikeWildcardsTakenLiterally) {
  ASSERT_TRUE(Record(manager_.Event("org.create", "org_unit:" + t_.section_a)).ok());
  ASSERT_TRUE(Record(manager_.Event("x.test", "orgXunit:zz")).ok());
  storage::LogFilter f;
  f.target_type = "org_unit";
  const LogPage units = List(all_, f);
  ASSERT_GE(units.total, 1);
  for (const auto& v : units.items) EXPECT_EQ(v.entry.target.rfind("org_unit:", 0), 0u) << v.entry.target;
  EXPECT_EQ(units.items.front().target_label, "A課");
  f.target_type = "asset";
  MakeAsset("台帳", 1);
  const LogPage assets = List(all_, f);
  ASSERT_GE(assets.total, 1);
  for (const auto& v : assets.items) EXPECT_EQ(v.target_type, "asset");
}

TEST_F(LogViewTest, TheRefusalsFilterFindsDeniedEntriesOnly) {
  ASSERT_TRUE(Record([&] {
                audit::Event e = manager_.Event("request.approve", "request:r2");
                e.result = "denied";
                e.clause = "kobe:3.2.10ア";
                return e;
              }())
                  .ok());
  ASSERT_TRUE(Record([&] {
                audit::Event e = manager_.Event("auth.login", "user:" + manager_.user_id);
                e.result = "failure";
                return e;
              }())
                  .ok());
  storage::LogFilter f;
  f.result = "denied";
  const LogPage denied = List(all_, f);
  ASSERT_EQ(denied.total, 1);
  EXPECT_EQ(denied.items[0].entry.action, "request.approve");
  EXPECT_EQ(denied.items[0].entry.clause, "kobe:3.2.10ア");
}

TEST_F(LogViewTest, AReaderWithoutAuditReadIsRefusedAndNothingIsLogged) {
  const int64_t head = t_.LogHead();
  auto r = logs_.List(manager_, {}, {1, 10}, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(t_.LogHead(), head);
}

TEST_F(LogViewTest, KnowsItsTargetTypes) {
  for (const char* t : {"request", "asset", "system", "user", "org_unit"}) EXPECT_TRUE(IsLogTargetType(t)) << t;
  EXPECT_FALSE(IsLogTargetType("asset:"));
  EXPECT_FALSE(IsLogTargetType("%"));
  EXPECT_FALSE(IsLogTargetType(""));
}

}  // namespace
}  // namespace mamori::domain

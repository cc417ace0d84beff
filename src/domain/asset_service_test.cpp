#include "domain/asset_service.hpp"

#include <gtest/gtest.h>

#include "domain/asset_sheet.hpp"
#include "domain/register_service.hpp"
#include "domain/test_env.hpp"

namespace mamori::domain {
namespace {

constexpr const char* kPw = "Gr33n-Tea!Kyoto";

// The Kobe pack's classification, plus roles that each grant exactly the permissions a test
// needs, so the tests do not hang on how the Kobe pack distributes them.
policy::PolicyPack TestPack() {
  policy::PolicyPack p = testing::KobePack();
  const std::vector<std::string> scopes{"city", "org_unit", "system"};
  auto role = [&](const char* id, std::vector<std::string> perms) {
    policy::RoleDef r;
    r.id = r.title = r.title_en = id;
    r.scopes = scopes;
    r.permissions = std::move(perms);
    p.roles.push_back(std::move(r));
  };
  role("t_reader", {"assets.read", "systems.read"});
  role("t_restricted", {"assets.read", "assets.read_restricted"});
  role("t_manager", {"assets.read", "assets.manage", "systems.read", "systems.manage"});
  role("t_staff", {"requests.create", "assets.read"});
  role("t_sysadmin", {"systems.read", "systems.manage"});
  return p;
}

nlohmann::json System(const std::string& name, const std::string& owner) {
  return {{"name", name}, {"owner_org_unit_id", owner}, {"network_zone", "lgwan"}, {"hosting", "on_premises"}};
}

// The information system ledger — the built-in register "systems" — through the register engine,
// answering each entry as the rest of mamori reads it (storage::SystemRepo).
class SystemLedger {
 public:
  explicit SystemLedger(Env& env) : env_(env), registers_(env), spec_(*registers_.Find("systems")) {}
  Result<storage::SystemRecord> Create(const Actor& a, const nlohmann::json& body) {
    return Typed(registers_.Create(a, spec_, body));
  }
  Result<storage::SystemRecord> Get(const Actor& a, const std::string& id) { return Typed(registers_.Get(a, spec_, id)); }
  Result<RecordList> List(const Actor& a) { return registers_.List(a, spec_, {}); }
  Result<storage::SystemRecord> Update(const Actor& a, const std::string& id, const nlohmann::json& body) {
    return Typed(registers_.Update(a, spec_, id, body));
  }

 private:
  Result<storage::SystemRecord> Typed(Result<RecordView> v) {
    if (!v.ok()) return std::move(v).error();
    MAMORI_ASSIGN(auto found, env_.db.Read([&](storage::Connection& c) { return storage::SystemRepo(c).Get(v->record.id); }));
    if (!found) return Error::NotFound("情報システム");
    return *found;
  }
  Env& env_;
  RegisterService registers_;
  const policy::RegisterSpec& spec_;
};

class AssetServiceTest : public ::testing::Test {
 protected:
  AssetServiceTest() : t_(TestPack()), assets_(*t_.env), systems_(*t_.env) {
    city_manager_ = ActorIn(t_.city, {{"t_manager", "city", ""}, {"t_restricted", "city", ""}});
  }

  struct Grant {
    std::string role, scope_type, scope_id;
  };

  // A new user of `unit` holding `grants` (in force, not stored: services read roles off the actor).
  Actor ActorIn(const std::string& unit, const std::vector<Grant>& grants) {
    const auto u = t_.AddUser("user" + std::to_string(++users_), unit, kPw);
    Actor a;
    a.user_id = u.id;
    a.login_id = u.login_id;
    for (const auto& g : grants)
      a.roles.push_back({NewId(), u.id, g.role, g.scope_type, g.scope_id, "", "", "", 1, "t", 0, ""});
    return a;
  }

  NewAsset Asset(const std::string& name, const std::string& owner, int64_t c = 2, int64_t i = 1, int64_t av = 1) {
    NewAsset n;
    n.name = name;
    n.kind = "electronic_data";
    n.owner_org_unit_id = owner;
    n.confidentiality = c;
    n.integrity = i;
    n.availability = av;
    return n;
  }

  storage::AssetRecord Make(const NewAsset& n) {
    auto r = assets_.Create(city_manager_, n);
    if (!r.ok()) ADD_FAILURE() << r.error().detail;
    return r.ok() ? *r : storage::AssetRecord{};
  }

  std::vector<std::string> ListedIds(const Actor& a, AssetQuery q = {}) {
    auto r = assets_.List(a, q);
    EXPECT_TRUE(r.ok());
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& x : r->items) out.push_back(x.id);
    EXPECT_EQ(r->total, static_cast<int64_t>(out.size())) << "the total counts with the same filter";
    return out;
  }

  static std::vector<std::string> Fields(const Error& e) {
    std::vector<std::string> out;
    for (const auto& f : e.fields) out.push_back(f.field);
    return out;
  }

  std::vector<storage::LogEntryRecord> LogOf(const std::string& target) {
    storage::LogFilter f;
    f.target = target;
    return *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(f, {1, 100}); });
  }

  testing::TestEnv t_;
  AssetService assets_;
  SystemLedger systems_;
  Actor city_manager_;
  int users_ = 0;
};

TEST_F(AssetServiceTest, LabelAndScopeComeFromThePack) {
  ASSERT_EQ(t_.pack.classification.restricted_confidentiality, 3) << "Kobe: 機密性3 is restricted (kobe:4.2オ(2))";
  auto r = Make(Asset("住民票データ", t_.section_a, 3, 2, 2));
  EXPECT_EQ(r.state, "in_use");
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.created_by, city_manager_.user_id);
  EXPECT_EQ(assets_.Label(r), "機密性3・完全性2・可用性2");
  EXPECT_EQ(assets_.Label(r, true), "Confidentiality 3 / Integrity 2 / Availability 2");
  EXPECT_TRUE(assets_.InScope(r));
  auto low = Make(Asset("公開資料", t_.section_a, 1, 1, 1));
  EXPECT_FALSE(assets_.InScope(low)) << "class 1 everywhere is outside the standard (kobe:4.1)";
  EXPECT_TRUE(assets_.InScope(Make(Asset("可用性だけ2", t_.section_a, 1, 1, 2))));
  auto log = LogOf("asset:" + r.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].action, "asset.create");
  EXPECT_NE(log[0].detail.find("機密性3・完全性2・可用性2"), std::string::npos);
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(AssetServiceTest, LevelsOutsideThePackAreRejectedNamingEachField) {
  const int64_t head = t_.LogHead();
  auto r = assets_.Create(city_manager_, Asset("x", t_.section_a, 4, 3, 0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(Fields(r.error()), (std::vector<std::string>{"confidentiality", "integrity", "availability"}));
  EXPECT_EQ(r.error().fields[0].code, "out_of_range");
  EXPECT_EQ(assets_.LevelError("confidentiality", 3), "");
  EXPECT_EQ(assets_.LevelError("integrity", 3), "out_of_range");
  EXPECT_EQ(assets_.LevelError("nonsense", 1), "out_of_range");
  EXPECT_EQ(t_.LogHead(), head);
  EXPECT_TRUE(ListedIds(city_manager_).empty());
}

TEST_F(AssetServiceTest, EveryFieldIsChecked) {
  const int64_t head = t_.LogHead();
  NewAsset n = Asset("", t_.bureau_a);
  n.kind = "spaceship";
  n.handling = {"複製禁止", "複製禁止", std::string(51, 'x'), "tab\there", ""};
  n.location = std::string(201, 'L');
  n.system_id = "nope";
  auto r = assets_.Create(city_manager_, n);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Fields(r.error()), (std::vector<std::string>{"name", "kind", "handling[1]", "handling[2]", "handling[3]",
                                                          "handling[4]", "location", "owner_org_unit_id", "system_id"}));
  std::map<std::string, std::string> codes;
  for (const auto& f : r.error().fields) codes[f.field] = f.code;
  EXPECT_EQ(codes["handling[1]"], "duplicate");
  EXPECT_EQ(codes["handling[2]"], "too_long");
  EXPECT_EQ(codes["handling[3]"], "control_characters");
  EXPECT_EQ(codes["owner_org_unit_id"], "not_a_section");
  n = Asset("x", "no-such-unit");
  n.handling.assign(11, "x");
  r = assets_.Create(city_manager_, n);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Fields(r.error()), (std::vector<std::string>{"handling", "owner_org_unit_id"}));
  EXPECT_EQ(r.error().fields[1].code, "not_found");
  EXPECT_EQ(t_.LogHead(), head);
}

TEST_F(AssetServiceTest, ReadersSeeTheirScopeOnly) {
  auto in_a = Make(Asset("A課の資産", t_.section_a));
  auto in_b = Make(Asset("B課の資産", t_.section_b));
  Actor bureau_a = ActorIn(t_.section_b, {{"t_reader", "org_unit", t_.bureau_a}});
  EXPECT_TRUE(assets_.Get(bureau_a, in_a.id).ok());
  auto hidden = assets_.Get(bureau_a, in_b.id);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound) << "out of sight is 404, not 403";
  EXPECT_EQ(ListedIds(bureau_a), std::vector<std::string>{in_a.id});
  Actor city = ActorIn(t_.section_a, {{"t_reader", "city", ""}});
  EXPECT_EQ(ListedIds(city).size(), 2u);
  Actor nobody = ActorIn(t_.section_a, {});
  EXPECT_EQ(assets_.List(nobody, {}).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(assets_.Get(nobody, in_a.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(assets_.Get(city, "no-such-asset").error().code, ErrorCode::kNotFound);
}

TEST_F(AssetServiceTest, RestrictedAssetsNeedReadRestrictedOrMembership) {
  auto secret = Make(Asset("機密3", t_.section_a, 3));
  auto normal = Make(Asset("機密2", t_.section_a, 2));
  // City-wide readers outside the owner section see the 機密性2 asset only.
  Actor outsider = ActorIn(t_.section_b, {{"t_reader", "city", ""}});
  EXPECT_EQ(assets_.Get(outsider, secret.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ListedIds(outsider), std::vector<std::string>{normal.id});
  AssetQuery q;
  q.min_confidentiality = 3;
  EXPECT_TRUE(ListedIds(outsider, q).empty());
  // Members of the owner section see it with plain assets.read.
  Actor member = ActorIn(t_.section_a, {{"t_reader", "org_unit", t_.section_a}});
  EXPECT_TRUE(assets_.Get(member, secret.id).ok());
  EXPECT_EQ(ListedIds(member, q), std::vector<std::string>{secret.id});
  // assets.read_restricted counts only over the owner section.
  Actor wrong_scope = ActorIn(t_.section_b, {{"t_reader", "city", ""}, {"t_restricted", "org_unit", t_.bureau_b}});
  EXPECT_EQ(assets_.Get(wrong_scope, secret.id).error().code, ErrorCode::kNotFound);
  Actor right_scope = ActorIn(t_.section_b, {{"t_reader", "city", ""}, {"t_restricted", "org_unit", t_.bureau_a}});
  EXPECT_TRUE(assets_.Get(right_scope, secret.id).ok());
  EXPECT_EQ(ListedIds(right_scope).size(), 2u);
  // Membership does not stand in for assets.read itself.
  Actor member_no_read = ActorIn(t_.section_a, {{"t_staff", "org_unit", t_.section_b}});
  EXPECT_EQ(assets_.Get(member_no_read, secret.id).error().code, ErrorCode::kNotFound);
  // A pack without the restriction shows it to every reader in scope.
  t_.pack.classification.restricted_confidentiality = 0;
  EXPECT_TRUE(assets_.Get(outsider, secret.id).ok());
}

TEST_F(AssetServiceTest, RolesScopedToASystemSeeItsAssets) {
  Actor admin = ActorIn(t_.section_a, {{"t_sysadmin", "city", ""}});
  auto sys = systems_.Create(admin, System("基幹システム", t_.section_b));
  ASSERT_TRUE(sys.ok());
  NewAsset n = Asset("基幹DB", t_.section_b, 2);
  n.system_id = sys->id;
  auto of_system = Make(n);
  n.name = "基幹DB（機密性3）";
  n.confidentiality = 3;
  auto secret = Make(n);
  auto unrelated = Make(Asset("無関係", t_.section_b, 2));
  Actor sys_reader = ActorIn(t_.section_a, {{"t_reader", "system", sys->id}});
  EXPECT_TRUE(assets_.Get(sys_reader, of_system.id).ok());
  EXPECT_EQ(assets_.Get(sys_reader, unrelated.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(assets_.Get(sys_reader, secret.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ListedIds(sys_reader), std::vector<std::string>{of_system.id});
  Actor sys_restricted = ActorIn(t_.section_a, {{"t_restricted", "system", sys->id}});
  EXPECT_TRUE(assets_.Get(sys_restricted, secret.id).ok());
  EXPECT_EQ(ListedIds(sys_restricted).size(), 2u);
  // A bureau reader of another bureau plus the system role: both reaches, one list.
  Actor both = ActorIn(t_.section_a, {{"t_reader", "org_unit", t_.bureau_a}, {"t_reader", "system", sys->id}});
  auto mine = Make(Asset("A課の資産", t_.section_a, 3));
  EXPECT_EQ(ListedIds(both).size(), 2u) << "A課 (own unit, so 機密性3 too) and the system's 機密性2 asset";
  (void)mine;
}

TEST_F(AssetServiceTest, StaffRegisterAssetsForTheirOwnSectionOnly) {
  Actor staff = ActorIn(t_.section_a, {{"t_staff", "org_unit", t_.section_a}});
  auto mine = assets_.Create(staff, Asset("自作の資料", t_.section_a));
  ASSERT_TRUE(mine.ok()) << mine.error().detail;
  EXPECT_EQ(mine->created_by, staff.user_id);
  EXPECT_EQ(assets_.Create(staff, Asset("他課の資料", t_.section_b)).error().code, ErrorCode::kForbidden);
  // Registering is not editing.
  AssetChanges ch;
  ch.version = 1;
  ch.name = "改名";
  EXPECT_EQ(assets_.Update(staff, mine->id, ch).error().code, ErrorCode::kForbidden);
  Actor nobody = ActorIn(t_.section_a, {});
  EXPECT_EQ(assets_.Create(nobody, Asset("x", t_.section_a)).error().code, ErrorCode::kForbidden);
}

TEST_F(AssetServiceTest, ManagersActWithinTheirScope) {
  Actor mgr = ActorIn(t_.section_a, {{"t_manager", "org_unit", t_.section_a}});
  auto ok = assets_.Create(mgr, Asset("A", t_.section_a));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(assets_.Create(mgr, Asset("B", t_.section_b)).error().code, ErrorCode::kForbidden);
  auto theirs = Make(Asset("B課", t_.section_b));
  AssetChanges ch;
  ch.version = 1;
  ch.name = "x";
  EXPECT_EQ(assets_.Update(mgr, theirs.id, ch).error().code, ErrorCode::kNotFound);
  // Moving an asset needs the destination in scope too.
  ch.name.reset();
  ch.owner_org_unit_id = t_.section_b;
  EXPECT_EQ(assets_.Update(mgr, ok->id, ch).error().code, ErrorCode::kForbidden);
  auto moved = assets_.Update(city_manager_, ok->id, ch);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->owner_org_unit_id, t_.section_b);
}

TEST_F(AssetServiceTest, EditsNeedTheVersionTheyReadAndLogWhatChanged) {
  auto r = Make(Asset("旧名", t_.section_a, 2));
  AssetChanges ch;
  ch.version = 1;
  ch.name = "新名";
  ch.confidentiality = 3;
  ch.handling = std::vector<std::string>{"持出禁止"};
  auto u = assets_.Update(city_manager_, r.id, ch);
  ASSERT_TRUE(u.ok()) << u.error().detail;
  EXPECT_EQ(u->version, 2);
  EXPECT_EQ(u->name, "新名");
  EXPECT_EQ(u->handling, std::vector<std::string>{"持出禁止"});
  const int64_t head = t_.LogHead();
  ch.name = "三度目";
  auto stale = assets_.Update(city_manager_, r.id, ch);  // still version 1
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(stale.error().fields[0].field, "version");
  EXPECT_EQ(t_.LogHead(), head);
  EXPECT_EQ(assets_.Get(city_manager_, r.id)->name, "新名");
  // Nothing changed: answered as is, not logged, version kept.
  AssetChanges same;
  same.version = 2;
  same.name = "新名";
  auto unchanged = assets_.Update(city_manager_, r.id, same);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->version, 2);
  EXPECT_EQ(t_.LogHead(), head);
  // Invalid values change nothing either.
  AssetChanges bad;
  bad.version = 2;
  bad.integrity = 9;
  EXPECT_EQ(assets_.Update(city_manager_, r.id, bad).error().fields[0].field, "integrity");
  auto log = LogOf("asset:" + r.id);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].action, "asset.update");
  auto detail = nlohmann::json::parse(log[0].detail);
  EXPECT_EQ(detail["changes"]["name"]["from"], "旧名");
  // Raised to 機密性3, the asset is sealed from now on (proc:5(3)①): so is its new name in the
  // log; its history opens it for whoever may read the asset.
  EXPECT_TRUE(crypto::IsSealed(detail["changes"]["name"]["to"].get<std::string>()));
  auto history = assets_.History(city_manager_, r.id, {1, 10});
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(nlohmann::json::parse(history->items[0].detail)["changes"]["name"]["to"], "新名");
  EXPECT_EQ(detail["changes"]["confidentiality"]["to"], 3);
  EXPECT_FALSE(detail["changes"].contains("kind"));
  EXPECT_EQ(detail["label"]["to"], "機密性3・完全性1・可用性1");
}

TEST_F(AssetServiceTest, HistoryIsTheAssetsLogNewestFirst) {
  auto r = Make(Asset("資産", t_.section_a, 3));
  AssetChanges ch;
  ch.version = 1;
  ch.location = "書庫";
  ASSERT_TRUE(assets_.Update(city_manager_, r.id, ch).ok());
  Make(Asset("別の資産", t_.section_a));
  auto h = assets_.History(city_manager_, r.id, {1, 50});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->total, 2);
  ASSERT_EQ(h->items.size(), 2u);
  EXPECT_EQ(h->items[0].action, "asset.update");
  EXPECT_EQ(h->items[1].action, "asset.create");
  Actor outsider = ActorIn(t_.section_b, {{"t_reader", "city", ""}});
  EXPECT_EQ(assets_.History(outsider, r.id, {1, 50}).error().code, ErrorCode::kNotFound);
}

TEST_F(AssetServiceTest, OnlyTheRequestEngineMovesTheState) {
  auto r = Make(Asset("USBメモリ", t_.section_a, 2));
  Actor approver = ActorIn(t_.section_a, {});
  auto st = t_.tdb.db()->Write([&](storage::Connection& c) {
    return assets_.SetState(c, approver, r.id, "taken_out", "req-1");
  });
  ASSERT_TRUE(st.ok());
  auto got = assets_.Get(city_manager_, r.id);
  EXPECT_EQ(got->state, "taken_out");
  EXPECT_EQ(got->version, 2);
  auto log = LogOf("asset:" + r.id);
  ASSERT_EQ(log[0].action, "asset.state");
  auto detail = nlohmann::json::parse(log[0].detail);
  EXPECT_EQ(detail["from"], "in_use");
  EXPECT_EQ(detail["to"], "taken_out");
  EXPECT_EQ(detail["request_id"], "req-1");
  EXPECT_EQ(log[0].actor, approver.user_id);
  auto set = [&](const std::string& state, const std::string& request) {
    return t_.tdb.db()->Write([&](storage::Connection& c) { return assets_.SetState(c, approver, r.id, state, request); });
  };
  // An asset already out cannot go out again, nor be provided or disposed while out.
  const int64_t head = t_.LogHead();
  EXPECT_EQ(set("taken_out", "req-2").error().code, ErrorCode::kConflict);
  EXPECT_EQ(set("provided", "req-2").error().code, ErrorCode::kConflict);
  EXPECT_EQ(set("disposed", "req-2").error().code, ErrorCode::kConflict);
  EXPECT_EQ(set("lost", "req-2").error().fields[0].field, "state");
  EXPECT_EQ(t_.LogHead(), head);
  // Back in use; in use again is a no-op.
  ASSERT_TRUE(set("in_use", "req-1").ok());
  const int64_t back = t_.LogHead();
  EXPECT_TRUE(set("in_use", "req-1").ok());
  EXPECT_EQ(t_.LogHead(), back);
  ASSERT_TRUE(set("provided", "req-5").ok());
  ASSERT_TRUE(set("disposed", "req-3").ok()) << "a provided asset may still be disposed of";
  EXPECT_EQ(t_.tdb.db()->Write([&](storage::Connection& c) {
    return assets_.SetState(c, approver, r.id, "in_use", "req-4");
  }).error().code, ErrorCode::kConflict) << "disposed is final";
  AssetChanges ch;
  ch.version = assets_.Get(city_manager_, r.id)->version;
  ch.name = "x";
  EXPECT_EQ(assets_.Update(city_manager_, r.id, ch).error().code, ErrorCode::kConflict);
  // LoadVisible applies the same sight rules as Get.
  Actor outsider = ActorIn(t_.section_b, {});
  EXPECT_EQ(t_.tdb.db()->Read([&](storage::Connection& c) { return assets_.LoadVisible(c, outsider, r.id); })
                .error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(AssetServiceTest, ListFiltersAndPages) {
  // Paging and filters over plain names (sealed names sort and search differently:
  // key_service_test.cpp).
  t_.pack.sealing.rules.clear();
  for (int i = 0; i < 7; ++i) {
    NewAsset n = Asset("資産" + std::to_string(i), i < 4 ? t_.section_a : t_.section_b, 1 + i % 3);
    if (i == 6) n.kind = "paper_document";
    Make(n);
  }
  AssetQuery q;
  q.page = {1, 3};
  auto page1 = assets_.List(city_manager_, q);
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ(page1->total, 7);
  ASSERT_EQ(page1->items.size(), 3u);
  EXPECT_EQ(page1->items[0].name, "資産0");
  EXPECT_EQ(page1->unit_names.at(t_.section_a), "A課");
  q.page = {3, 3};
  EXPECT_EQ(assets_.List(city_manager_, q)->items.size(), 1u);
  q = {};
  q.owner_org_unit_id = t_.section_b;
  EXPECT_EQ(ListedIds(city_manager_, q).size(), 3u);
  q = {};
  q.min_confidentiality = 2;
  EXPECT_EQ(ListedIds(city_manager_, q).size(), 4u);
  q = {};
  q.kind = "paper_document";
  EXPECT_EQ(ListedIds(city_manager_, q).size(), 1u);
  q = {};
  q.state = "taken_out";
  EXPECT_TRUE(ListedIds(city_manager_, q).empty());
  q = {};
  q.q = "産5";
  EXPECT_EQ(ListedIds(city_manager_, q).size(), 1u);
}

TEST_F(AssetServiceTest, ContextFeedsThePacksConditions) {
  auto r = Make(Asset("端末", t_.section_a, 3, 2, 2));
  r.handling = {"持出禁止"};
  storage::SystemRecord sys;
  sys.network_zone = "mynumber";
  const policy::Context ctx = AssetContext(r, &sys);
  auto expr = policy::Expr::Parse(
      "asset.confidentiality == 3 and asset.kind == \"electronic_data\" and asset.state == \"in_use\" and "
      "\"持出禁止\" in asset.handling and asset.system.network_zone == \"mynumber\" and asset.system_id == null");
  ASSERT_TRUE(expr.ok());
  EXPECT_TRUE(*expr->Evaluate(ctx));
}

// ---- the information system ledger -------------------------------------------------------

TEST_F(AssetServiceTest, SystemsAreValidated) {
  const int64_t head = t_.LogHead();
  nlohmann::json s = System("", "no-such-unit");
  s["network_zone"] = "dmz";
  s["hosting"] = "basement";
  s["sla_availability"] = "100.5";
  s["rto_minutes"] = -1;
  s["rpo_minutes"] = 525600 + 1;  // a year is the longest recovery objective
  s["system_owner_user_id"] = "nobody";
  s["notes"] = std::string(2001, 'n');
  auto r = systems_.Create(city_manager_, s);
  ASSERT_FALSE(r.ok());
  std::vector<std::string> fields = Fields(r.error());
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"hosting", "name", "network_zone", "notes", "rpo_minutes", "rto_minutes",
                                              "sla_availability"}));
  // References are checked once the values are well formed.
  s = System("x", "no-such-unit");
  s["system_owner_user_id"] = "nobody";
  fields = Fields(systems_.Create(city_manager_, s).error());
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"owner_org_unit_id", "system_owner_user_id"}));
  EXPECT_EQ(t_.LogHead(), head);
  auto sla = [&](const char* v) {
    nlohmann::json b = System("SLA", t_.section_a);
    b["sla_availability"] = v;
    return systems_.Create(city_manager_, b);
  };
  for (const char* good : {"99.9", "100", "99.999", "0", "100.000"}) EXPECT_TRUE(sla(good).ok()) << good;
  for (const char* bad : {"99.9999", "101", "-1", "abc", "99,9", "1e2", " 99", "100.5"}) {
    auto refused = sla(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().fields.at(0).code, "invalid_format") << bad;
  }
  const policy::RegisterSpec* spec = t_.pack.FindRegister("systems");
  ASSERT_NE(spec, nullptr);
  ASSERT_NE(spec->FindField("network_zone"), nullptr);
  EXPECT_EQ(spec->FindField("network_zone")->FindChoice("mynumber")->label, "マイナンバー利用事務系");
  EXPECT_EQ(spec->FindField("network_zone")->FindChoice("lgwan")->label, "LGWAN接続系");
}

TEST_F(AssetServiceTest, SystemsFollowScopeAndSystemRoles) {
  Actor admin = ActorIn(t_.section_a, {{"t_sysadmin", "city", ""}});
  nlohmann::json s = System("住民記録システム", t_.section_a);
  s["network_zone"] = "mynumber";
  s["sla_availability"] = "99.9";
  s["rto_minutes"] = 240;
  s["rpo_minutes"] = 0;
  auto created = systems_.Create(admin, s);
  ASSERT_TRUE(created.ok()) << created.error().detail;
  auto other = systems_.Create(admin, System("財務会計", t_.section_b));
  ASSERT_TRUE(other.ok());
  Actor bureau_a = ActorIn(t_.section_a, {{"t_reader", "org_unit", t_.bureau_a}});
  EXPECT_TRUE(systems_.Get(bureau_a, created->id).ok());
  EXPECT_EQ(systems_.Get(bureau_a, other->id).error().code, ErrorCode::kNotFound);
  auto listed = systems_.List(bureau_a);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->total, 1);
  // A role scoped to the system itself reaches it, wherever its owner unit is.
  Actor sys_owner = ActorIn(t_.section_a, {{"t_sysadmin", "system", other->id}});
  EXPECT_TRUE(systems_.Get(sys_owner, other->id).ok());
  EXPECT_EQ(systems_.List(sys_owner)->total, 1);
  const nlohmann::json ch = {{"version", 1}, {"rto_minutes", nullptr}, {"notes", "冗長化構成"}};  // RTO cleared
  auto updated = systems_.Update(sys_owner, other->id, ch);
  ASSERT_TRUE(updated.ok()) << updated.error().detail;
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->notes, "冗長化構成");
  EXPECT_EQ(systems_.Update(sys_owner, created->id, ch).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(systems_.Update(bureau_a, created->id, ch).error().code, ErrorCode::kForbidden);
  auto stale = systems_.Update(admin, other->id, ch);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  // Creating needs systems.manage over the owner unit.
  EXPECT_EQ(systems_.Create(bureau_a, System("x", t_.section_a)).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(systems_.Create(sys_owner, System("x", t_.section_a)).error().code, ErrorCode::kForbidden);
  // The ledger keeps its entries to its readers: whoever registered an entry, or is named in
  // it, sees it only by systems.read over its owner section (or a role scoped to it).
  Actor named = ActorIn(t_.section_b, {});
  nlohmann::json names_them = System("人事給与", t_.section_b);
  names_them["system_owner_user_id"] = named.user_id;
  auto with_named = systems_.Create(admin, names_them);
  ASSERT_TRUE(with_named.ok());
  EXPECT_EQ(systems_.Get(named, with_named->id).error().code, ErrorCode::kNotFound);
  // Assets may name only a system that exists.
  NewAsset a = Asset("住民記録DB", t_.section_a, 3);
  a.system_id = created->id;
  auto asset = assets_.Create(city_manager_, a);
  ASSERT_TRUE(asset.ok());
  EXPECT_EQ(asset->system_id, created->id);
  EXPECT_TRUE(t_.VerifyLog().ok);
}

// ---- CSV import and export of the register ----------------------------------------------------

class AssetImportTest : public AssetServiceTest {
 protected:
  static CsvTable WithHeader(std::vector<std::vector<std::string>> rows) {
    CsvTable t = {{"名称", "種別", "所管課コード", "所管課", "機密性", "完全性", "可用性", "取扱制限", "情報システム"}};
    for (auto& r : rows) t.push_back(std::move(r));
    return t;
  }

  int64_t AssetCount() {
    return *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AssetRepo(c).Count({}); });
  }

  std::vector<std::string> Problems(const Error& e) {
    std::vector<std::string> out;
    for (const auto& f : e.fields) out.push_back(std::to_string(f.row) + " " + f.field + " " + f.code + " " + f.column);
    return out;
  }
};

TEST_F(AssetImportTest, EveryRowIsRegisteredAndLoggedInOneGo) {
  const int64_t head = t_.LogHead();
  auto sys = systems_.Create(city_manager_, System("住民記録システム", t_.section_a));
  ASSERT_TRUE(sys.ok());
  AssetImportOptions o;
  o.encoding = "cp932";
  o.file_name = "台帳.csv";
  o.sha256 = std::string(64, 'a');
  auto r = assets_.Import(city_manager_,
                          WithHeader({{"住民票データ", "電子データ", "a1", "", "3", "2", "2", "複製禁止", "住民記録システム"},
                                      {"会議資料", "紙文書", "", "B課", "2", "1", "1", "", ""}}),
                          o);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_FALSE(r->dry_run);
  EXPECT_EQ(r->rows, 2);
  ASSERT_EQ(r->ids.size(), 2u);
  auto first = assets_.Get(city_manager_, r->ids[0]);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->owner_org_unit_id, t_.section_a);
  EXPECT_EQ(first->system_id, sys->id);
  EXPECT_EQ(first->handling, std::vector<std::string>{"複製禁止"});
  EXPECT_EQ(assets_.Label(*first), "機密性3・完全性2・可用性2");
  EXPECT_EQ(assets_.Get(city_manager_, r->ids[1])->owner_org_unit_id, t_.section_b) << "owner by the section's name";
  // Each asset has its asset.create entry tied to the import, and the file one asset.import.
  auto created = LogOf("asset:" + r->ids[0]);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].action, "asset.create");
  EXPECT_NE(created[0].detail.find("import_id"), std::string::npos);
  storage::LogFilter f;
  f.action = "asset.import";
  auto imports = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(f, {1, 10}); });
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_NE(imports[0].detail.find("台帳.csv"), std::string::npos);
  EXPECT_NE(imports[0].detail.find("cp932"), std::string::npos);
  EXPECT_EQ(t_.LogHead(), head + 1 /* system */ + 2 + 1);
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(AssetImportTest, OneBadRowAndNothingIsRegisteredEveryProblemNamed) {
  Make(Asset("既存", t_.section_a));
  const int64_t head = t_.LogHead();
  const int64_t count = AssetCount();
  auto r = assets_.Import(city_manager_,
                          WithHeader({{"正しい行", "電子データ", "a1", "", "2", "1", "1", "", ""},
                                      {"", "宇宙船", "zz", "", "9", "x", "1", "", "ない"},
                                      {"名前違い", "端末", "a1", "B課", "1", "1", "1", "", ""},
                                      {"正しい行2", "端末", "b1", "", "1", "1", "1", "", ""}}),
                          {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(Problems(r.error()),
            (std::vector<std::string>{"3 integrity not_a_number 完全性", "3 owner_org_unit_id not_found 所管課コード",
                                      "3 system_id not_found 情報システム", "3 name required 名称",
                                      "3 kind not_allowed 種別", "3 confidentiality out_of_range 機密性",
                                      "4 owner_org_unit_id mismatch 所管課コード"}));
  EXPECT_NE(r.error().detail.find("4 行のうち 2 行"), std::string::npos) << r.error().detail;
  EXPECT_EQ(AssetCount(), count) << "nothing half-imported";
  EXPECT_EQ(t_.LogHead(), head);
}

TEST_F(AssetImportTest, EachRowNeedsTheRightToRegisterForItsSection) {
  // Staff register for their own section only (kobe:4.2ウ(2)); a manager within their scope.
  Actor staff = ActorIn(t_.section_a, {{"t_staff", "org_unit", t_.section_a}});
  auto rows = WithHeader({{"自課", "電子データ", "a1", "", "2", "1", "1", "", ""},
                          {"他課", "電子データ", "b1", "", "2", "1", "1", "", ""}});
  auto r = assets_.Import(staff, rows, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Problems(r.error()), std::vector<std::string>{"3 owner_org_unit_id forbidden 所管課コード"});
  Actor mgr_b = ActorIn(t_.section_b, {{"t_manager", "org_unit", t_.bureau_b}});
  EXPECT_EQ(Problems(assets_.Import(mgr_b, rows, {}).error()),
            std::vector<std::string>{"2 owner_org_unit_id forbidden 所管課コード"});
  Actor nobody = ActorIn(t_.section_a, {{"t_reader", "city", ""}});
  EXPECT_EQ(assets_.Import(nobody, rows, {}).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(AssetCount(), 0);
}

TEST_F(AssetImportTest, AmbiguousNamesAreRefusedNotGuessed) {
  // Two sections called 総務課 in different bureaus: the name alone cannot say which.
  ASSERT_TRUE(t_.tdb.db()->Write([&](storage::Connection& c) -> Status {
    storage::OrgRepo o(c);
    MAMORI_TRY(o.Insert({NewId(), "a9", "総務課", "section", t_.bureau_a, "", "", 1}));
    return o.Insert({NewId(), "b9", "総務課", "section", t_.bureau_b, "", "", 1});
  }).ok());
  ASSERT_TRUE(systems_.Create(city_manager_, System("庁内LAN", t_.section_a)).ok());
  ASSERT_TRUE(systems_.Create(city_manager_, System("庁内LAN", t_.section_b)).ok());
  auto r = assets_.Import(city_manager_, WithHeader({{"x", "端末", "", "総務課", "1", "1", "1", "", "庁内LAN"}}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Problems(r.error()), (std::vector<std::string>{"2 owner_org_unit_id ambiguous 所管課",
                                                           "2 system_id ambiguous 情報システム"}));
  // The code settles it.
  auto ok = assets_.Import(city_manager_, WithHeader({{"x", "端末", "b9", "総務課", "1", "1", "1", "", ""}}), {});
  ASSERT_TRUE(ok.ok()) << ok.error().detail;
}

TEST_F(AssetImportTest, ADryRunChecksEverythingAndWritesNothing) {
  const int64_t head = t_.LogHead();
  AssetImportOptions o;
  o.dry_run = true;
  auto r = assets_.Import(city_manager_, WithHeader({{"x", "端末", "a1", "", "1", "1", "1", "", ""}}), o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->dry_run);
  EXPECT_EQ(r->rows, 1);
  EXPECT_TRUE(r->ids.empty());
  EXPECT_EQ(AssetCount(), 0);
  EXPECT_EQ(t_.LogHead(), head);
  auto bad = assets_.Import(city_manager_, WithHeader({{"x", "端末", "a1", "", "7", "1", "1", "", ""}}), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Problems(bad.error()), std::vector<std::string>{"2 confidentiality out_of_range 機密性"});
}

TEST_F(AssetImportTest, TooManyRowsIsOneClearError) {
  std::vector<std::vector<std::string>> rows(kAssetImportMaxRows + 1, {"x", "端末", "a1", "", "1", "1", "1", "", ""});
  auto r = assets_.Import(city_manager_, WithHeader(std::move(rows)), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().fields.size(), 1u);
  EXPECT_EQ(r.error().fields[0].code, "too_many_rows");
  EXPECT_EQ(AssetCount(), 0);
}

TEST_F(AssetImportTest, ExportShowsWhatTheReaderSeesAndIsLogged) {
  auto secret = Make(Asset("機密3", t_.section_a, 3));
  auto normal = Make(Asset("機密2", t_.section_a, 2));
  Actor outsider = ActorIn(t_.section_b, {{"t_reader", "city", ""}});
  const int64_t head = t_.LogHead();
  auto out = assets_.Export(outsider, {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->items.size(), 1u) << "restricted assets stay hidden in files too (kobe:4.2オ(2))";
  EXPECT_EQ(out->items[0].id, normal.id);
  EXPECT_EQ(out->units.at(t_.section_a).code, "a1");
  EXPECT_EQ(t_.LogHead(), head + 1);
  storage::LogFilter f;
  f.action = "asset.export";
  auto logged = *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(f, {1, 10}); });
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].actor, outsider.user_id);
  EXPECT_NE(logged[0].detail.find("\"rows\":1"), std::string::npos) << logged[0].detail;
  // The sheet names everything in words, and its rows read back as the same assets.
  Sheet sheet = AssetSheet(*assets_.Export(city_manager_, {}), assets_, t_.pack.classification, false);
  ASSERT_EQ(sheet.rows.size(), 2u);
  EXPECT_EQ(sheet.columns[1].header, "名称");
  auto table = ParseCsv(DecodeText(SheetCsv(sheet), TextEncoding::kAuto)->text);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(std::get<std::string>(sheet.rows[0][2]), "電子データ");
  EXPECT_EQ(std::get<std::string>(sheet.rows[0][8]), "機密性2・完全性1・可用性1");
  AssetImportOptions dry;
  dry.dry_run = true;
  auto again = assets_.Import(city_manager_, *table, dry);
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_EQ(again->rows, 2);
  Actor nobody = ActorIn(t_.section_a, {});
  EXPECT_EQ(assets_.Export(nobody, {}).error().code, ErrorCode::kForbidden);
  (void)secret;
}

}  // namespace
}  // namespace mamori::domain

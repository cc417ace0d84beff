#include "domain/key_service.hpp"

#include <gtest/gtest.h>

#include "audit/actions.hpp"
#include "common/crypto.hpp"
#include "domain/asset_service.hpp"
#include "domain/test_env.hpp"
#include "storage/key_repo.hpp"

namespace mamori::domain {
namespace {

policy::PolicyPack PackWithTestRole() {
  policy::PolicyPack p = testing::KobePack();
  policy::RoleDef r;
  r.id = r.title = r.title_en = "t_manager";
  r.scopes = {"city", "org_unit", "system"};
  r.permissions = {"assets.read", "assets.read_restricted", "assets.manage"};
  p.roles.push_back(std::move(r));
  return p;
}

class KeyServiceTest : public ::testing::Test {
 protected:
  KeyServiceTest() : t_(PackWithTestRole()) {
    master_ = crypto::FileMasterKey::FromBytes(crypto::RandomBytes(32));
    t_.env->sealer = std::make_shared<Sealer>(master_);
    t_.env->sealer->ReloadFrom(t_.tdb.db());
    EXPECT_TRUE(KeyService(*t_.env).Open().ok());
    const auto u = t_.AddUser("manager", t_.section_a, "Gr33n-Tea!Kyoto");
    manager_.user_id = u.id;
    manager_.login_id = u.login_id;
    manager_.roles.push_back({NewId(), u.id, "t_manager", "city", "", "", "", "", 1, "t", 0, ""});
  }

  storage::AssetRecord Create(const std::string& name, int64_t confidentiality) {
    NewAsset n{.name = name, .kind = "electronic_data", .owner_org_unit_id = t_.section_a,
               .confidentiality = confidentiality, .integrity = 1, .availability = 1,
               .handling = {"持出禁止"}, .location = "本庁舎3階 書庫"};
    auto r = AssetService(*t_.env).Create(manager_, n);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    return r.ok() ? *r : storage::AssetRecord{};
  }

  storage::AssetRecord Stored(const std::string& id) {
    return **t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AssetRepo(c).Get(id); });
  }

  std::vector<storage::LogEntryRecord> Log(const std::string& target) {
    storage::LogFilter f;
    f.target = target;
    return *t_.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(f, {1, 100}); });
  }

  std::vector<storage::DataKeyRecord> Keys() { return *KeyService(*t_.env).Keys(); }

  testing::TestEnv t_;
  std::shared_ptr<const crypto::MasterKey> master_;
  Actor manager_;
};

TEST_F(KeyServiceTest, TheFirstStartMakesOneWrappedDataKeyAndLogsIt) {
  const auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].master_id, master_->id());
  EXPECT_EQ(t_.env->sealer->ring().current(), keys[0].id);
  auto raw = crypto::Base64Decode(keys[0].wrapped);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 12u + 32u + 16u) << "only the wrapped form is stored";
  EXPECT_TRUE(KeyService(*t_.env).Open().ok());
  EXPECT_EQ(Keys().size(), 1u) << "opening again makes no second key";
  const auto log = Log("data_key:" + keys[0].id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].action, audit::action::kKeysCreate);
  EXPECT_EQ(log[0].clause, "proc:5(3)①");
}

TEST_F(KeyServiceTest, ARestrictedAssetIsStoredSealedEverywhereAndReadsPlainToItsReaders) {
  // kobe:4.2オ(2): 機密性3 is the pack's restricted class; proc:5(3)① asks it be encrypted at rest.
  const auto secret = Create("生活保護受給者台帳", 3);
  const auto open = Create("庁内報", 2);
  const auto s = Stored(secret.id);
  EXPECT_TRUE(crypto::IsSealed(s.name));
  EXPECT_TRUE(crypto::IsSealed(s.location));
  ASSERT_EQ(s.handling.size(), 1u);
  EXPECT_TRUE(crypto::IsSealed(s.handling[0])) << "the whole handling list is one sealed value";
  EXPECT_EQ(s.confidentiality, 3) << "the levels stay plain: access control reads them";
  EXPECT_EQ(Stored(open.id).name, "庁内報") << "機密性2 is not sealed";
  // The log keeps the sealed form; the register's reader sees the plain values.
  const auto log = Log("asset:" + secret.id);
  ASSERT_EQ(log.size(), 1u);
  for (const char* plain : {"生活保護", "書庫", "持出禁止"})
    EXPECT_EQ(log[0].detail.find(plain), std::string::npos) << plain;
  AssetService assets(*t_.env);
  auto got = assets.Get(manager_, secret.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "生活保護受給者台帳");
  EXPECT_EQ(got->location, "本庁舎3階 書庫");
  EXPECT_EQ(got->handling, std::vector<std::string>{"持出禁止"});
  auto history = assets.History(manager_, secret.id, {1, 10});
  ASSERT_TRUE(history.ok());
  EXPECT_NE(history->items[0].detail.find("生活保護受給者台帳"), std::string::npos);
  auto listed = assets.List(manager_, {});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->total, 2);
  for (const auto& r : listed->items) EXPECT_FALSE(crypto::IsSealed(r.name));
  // Search reads only what is not sealed: the restricted name is not found by its text.
  auto found = assets.List(manager_, {.q = "台帳"});
  EXPECT_EQ(found->total, 0);
  EXPECT_EQ(assets.List(manager_, {.q = "庁内"})->total, 1);
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(KeyServiceTest, LoweringTheClassOpensTheFieldsAndTheChangeIsLoggedSealed) {
  const auto a = Create("人事評価記録", 3);
  AssetService assets(*t_.env);
  auto next = assets.Update(manager_, a.id, {.version = 1, .confidentiality = 2, .location = "人事課 金庫"});
  ASSERT_TRUE(next.ok()) << next.error().detail;
  EXPECT_EQ(Stored(a.id).name, "人事評価記録") << "no longer restricted: stored plain";
  const auto log = Log("asset:" + a.id);
  ASSERT_EQ(log[0].action, "asset.update");
  EXPECT_EQ(log[0].detail.find("書庫"), std::string::npos) << "the old location was sealed and stays sealed in the log";
  EXPECT_NE(log[0].detail.find("人事課 金庫"), std::string::npos) << "the new one is plain, as the record is";
  auto history = assets.History(manager_, a.id, {1, 10});
  EXPECT_NE(history->items[0].detail.find("本庁舎3階 書庫"), std::string::npos);
}

TEST_F(KeyServiceTest, ANewDataKeySealsFromNowAndTheResealMovesEverythingWithoutNewVersions) {
  const auto a = Create("住民税課税台帳", 3);
  const std::string first = t_.env->sealer->ring().current();
  KeyService keys(*t_.env);
  auto second = keys.RotateData();
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*second, first);
  EXPECT_EQ(crypto::SealedKeyId(Stored(a.id).name), first);
  const auto b = Create("税務調査記録", 3);
  EXPECT_EQ(crypto::SealedKeyId(Stored(b.id).name), *second);
  EXPECT_EQ(AssetService(*t_.env).Get(manager_, a.id)->name, "住民税課税台帳") << "old data stays readable";
  const int64_t version = Stored(a.id).version;
  auto report = keys.Reseal(1);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->assets_checked, 2);
  EXPECT_EQ(report->assets_rewritten, 1);
  EXPECT_EQ(crypto::SealedKeyId(Stored(a.id).name), *second);
  EXPECT_EQ(Stored(a.id).version, version) << "a re-seal never makes an editor's copy stale";
  EXPECT_EQ(AssetService(*t_.env).Get(manager_, a.id)->name, "住民税課税台帳");
  EXPECT_EQ(Log("assets")[0].action, audit::action::kKeysReseal);
  EXPECT_TRUE(keys.Reseal(1)->assets_rewritten == 0) << "nothing left to move";
  EXPECT_TRUE(t_.VerifyLog().ok);
}

TEST_F(KeyServiceTest, AnotherNodeReadsValuesSealedUnderAKeyAddedAfterItStarted) {
  auto node2 = std::make_shared<Sealer>(master_);
  node2->ReloadFrom(t_.tdb.db());
  auto conn = t_.tdb.db()->Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(node2->Load(**conn).ok());
  ASSERT_TRUE(KeyService(*t_.env).RotateData().ok());
  const auto a = Create("新しい鍵の資産", 3);
  auto opened = node2->Open(Stored(a.id).name, FieldPlace("asset", a.id, "name"));
  ASSERT_TRUE(opened.ok()) << opened.error().detail;
  EXPECT_EQ(*opened, "新しい鍵の資産");
  EXPECT_EQ(node2->ring().current(), t_.env->sealer->ring().current()) << "and seals with it from then on";
}

TEST_F(KeyServiceTest, ANewMasterRewrapsEveryKeyAndTheOldMasterNoLongerOpensThem) {
  const auto a = Create("監査指摘事項", 3);
  ASSERT_TRUE(KeyService(*t_.env).RotateData().ok());
  auto next = crypto::FileMasterKey::FromBytes(crypto::RandomBytes(32));
  auto n = KeyService(*t_.env).RotateMaster(*next);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  for (const auto& k : Keys()) EXPECT_EQ(k.master_id, next->id());
  // The running sealer goes on (its keys are unwrapped in memory).
  EXPECT_EQ(AssetService(*t_.env).Get(manager_, a.id)->name, "監査指摘事項");
  // A node starting with the new master reads everything; one with the old master reads nothing.
  std::shared_ptr<const crypto::MasterKey> next_master = std::move(next);
  Sealer fresh(next_master);
  auto conn = t_.tdb.db()->Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(fresh.Load(**conn).ok());
  EXPECT_EQ(*fresh.Open(Stored(a.id).name, FieldPlace("asset", a.id, "name")), "監査指摘事項");
  Sealer stale(master_);
  EXPECT_FALSE(stale.Load(**conn).ok());
  EXPECT_EQ(Log("data_keys")[0].action, audit::action::kKeysRotateMaster);
}

TEST_F(KeyServiceTest, AMasterThatCannotUnwrapWhatItWrappedChangesNothing) {
  struct Forgetful : crypto::MasterKey {
    std::string id() const override { return "forgetful"; }
    Result<std::string> Wrap(std::string_view, std::string_view) const override { return std::string("x"); }
    Result<std::string> Unwrap(std::string_view, std::string_view) const override {
      return Error::Internal("forgot");
    }
  };
  const auto before = Keys();
  const int64_t head = t_.LogHead();
  EXPECT_FALSE(KeyService(*t_.env).RotateMaster(Forgetful()).ok());
  EXPECT_EQ(Keys()[0].wrapped, before[0].wrapped);
  EXPECT_EQ(t_.LogHead(), head);
}

TEST(KeyServiceUpgrade, AnOldRawDataKeyJoinsTheRingAndItsTotpSecretsAreResealed) {
  testing::TestEnv t;
  const std::string legacy = crypto::RandomBytes(32);
  const auto u = t.AddUser("totp-user", t.section_a, "Gr33n-Tea!Kyoto");
  // As the server wrote TOTP secrets before sealing: base64(AES-GCM under the raw key).
  const std::string old = crypto::Base64Encode(*crypto::SealAesGcm(legacy, "12345678901234567890", "totp:" + u.id));
  ASSERT_TRUE(t.tdb.db()->Write([&](storage::Connection& c) {
    return storage::SealedRowRepo(c).SetUserSecrets({.id = u.id, .totp_secret = old});
  }).ok());
  t.env->sealer = std::make_shared<Sealer>(crypto::FileMasterKey::FromBytes(crypto::RandomBytes(32)));
  ASSERT_TRUE(KeyService(*t.env).Open(legacy).ok());
  auto stored = *t.tdb.db()->Read([&](storage::Connection& c) { return storage::UserRepo(c).Get(u.id); });
  ASSERT_TRUE(crypto::IsSealed(stored->totp_secret));
  EXPECT_EQ(*OpenTotp(*t.env->sealer, stored->totp_secret, u.id), "12345678901234567890");
  storage::LogFilter f;
  f.action = audit::action::kKeysUpgrade;
  auto log = *t.tdb.db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).List(f, {1, 10}); });
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].detail.find("\"secrets_resealed\":1"), std::string::npos);
  EXPECT_TRUE(t.VerifyLog().ok);
}

}  // namespace
}  // namespace mamori::domain

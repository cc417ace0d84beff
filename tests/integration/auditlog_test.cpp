// The operation log as a person reads it, through the real server: entries name their actor and
// target (an asset's, unit's or person's name, a request's type), a restricted asset's name
// never reaches a log reader who may not see the asset (kobe:4.2オ(2)), the object-type and
// refusal filters, bad filters refused naming the field with nothing changed, and the CSV's
// headings in Japanese and English (kobe:8.1.7).
#include <algorithm>

#include "harness.hpp"

namespace mamori::itest {
namespace {

class AuditLogTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      const std::string bureau = CreateOrgUnit(UniqueLogin("lb"), "bureau", city_id_);
      section_ = CreateOrgUnit(UniqueLogin("ls"), "section", bureau);
      manager_ = new Person(NewSignedIn(
          "lim", {{{"role", "information_manager"}, {"scope_type", "org_unit"}, {"scope_id", section_}}}, section_));
      // City-wide log and register readers without assets.read_restricted (Kobe: CSIRT) — the
      // attacker of these tests — and with it (the auditor).
      csirt_ = new Person(NewSignedIn("lcs", {{{"role", "csirt"}, {"scope_type", "city"}}}));
      auditor_ = new Person(NewSignedIn("lau", {{{"role", "auditor"}, {"scope_type", "city"}}}));
      secret_name_ = UniqueLogin("極秘住民名簿");
      open_name_ = UniqueLogin("庁内配布資料");
      secret_id_ = CreateAsset(secret_name_, 3);
      open_id_ = CreateAsset(open_name_, 2);
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    for (Person** p : {&manager_, &csirt_, &auditor_}) {
      delete *p;
      *p = nullptr;
    }
    ApiTest::TearDownTestSuite();
  }

  static std::string CreateAsset(const std::string& name, int confidentiality) {
    Reply r = manager_->client->Post("/api/v1/assets", {{"name", name},
                                                        {"kind", "electronic_data"},
                                                        {"owner_org_unit_id", section_},
                                                        {"confidentiality", confidentiality},
                                                        {"integrity", 1},
                                                        {"availability", 1},
                                                        {"location", name + "の保管庫"}});
    Require(r.status == 201, "POST /assets: " + r.Describe());
    return r.doc["id"].get<std::string>();
  }

  // The entry of `action` on `target` in `p`'s view of the log (null when absent).
  static json EntryOf(Person& p, const std::string& action, const std::string& target, const std::string& extra = "") {
    Reply r = p.client->Get("/api/v1/audit-log?per_page=200&action=" + action + extra);
    Require(r.status == 200, "GET /audit-log: " + r.Describe());
    for (const auto& e : r.doc["items"])
      if (e.value("target", "") == target) return e;
    return nullptr;
  }

  static std::string FirstLine(const std::string& csv) {
    const size_t start = csv.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
    return csv.substr(start, csv.find("\r\n") - start);
  }

  static Person* manager_;
  static Person* csirt_;
  static Person* auditor_;
  static std::string section_, secret_name_, open_name_, secret_id_, open_id_;
};

Person* AuditLogTest::manager_ = nullptr;
Person* AuditLogTest::csirt_ = nullptr;
Person* AuditLogTest::auditor_ = nullptr;
std::string AuditLogTest::section_, AuditLogTest::secret_name_, AuditLogTest::open_name_, AuditLogTest::secret_id_,
    AuditLogTest::open_id_;

TEST_F(AuditLogTest, EntriesNameTheirActorTheAssetThePersonAndTheUnit) {
  json e = EntryOf(*admin_, "asset.create", "asset:" + open_id_);
  ASSERT_TRUE(e.is_object()) << "no asset.create entry for the asset";
  EXPECT_EQ(e.value("target_type", ""), "asset");
  EXPECT_EQ(e.value("target_id", ""), open_id_);
  EXPECT_EQ(e.value("target_label", ""), open_name_);
  EXPECT_EQ(e.value("target_hidden", true), false);
  EXPECT_EQ(e.value("actor", ""), manager_->id);
  EXPECT_EQ(e.value("actor_name", ""), "試験 " + manager_->login_id);
  ASSERT_TRUE(e["refs"].is_object()) << e.dump();
  EXPECT_TRUE(e["refs"].value("org_unit:" + section_, "").size() > 0) << "the owner section is named: " << e.dump();

  json u = EntryOf(*admin_, "user.create", "user:" + manager_->id);
  ASSERT_TRUE(u.is_object());
  EXPECT_EQ(u.value("target_label", ""), "試験 " + manager_->login_id + "（" + manager_->login_id + "）");
  json en = EntryOf(*admin_, "user.create", "user:" + manager_->id, "&lang=en");
  ASSERT_TRUE(en.is_object());
  EXPECT_EQ(en.value("target_label", ""), "試験 " + manager_->login_id + " (" + manager_->login_id + ")");

  json unit = EntryOf(*admin_, "org.create", "org_unit:" + section_);
  ASSERT_TRUE(unit.is_object());
  EXPECT_FALSE(unit.value("target_label", "").empty());
  EXPECT_NE(unit.value("target_label", ""), section_) << "a unit is named, not shown by its id";
}

TEST_F(AuditLogTest, ARestrictedAssetsNameNeverReachesALogReaderWhoMayNotSeeIt) {
  // The register itself hides it from CSIRT (kobe:4.2オ(2)) ...
  ASSERT_EQ(csirt_->client->Get("/api/v1/assets/" + secret_id_).status, 404);
  // ... and so does the log: entry listed, name and detail withheld.
  json e = EntryOf(*csirt_, "asset.create", "asset:" + secret_id_);
  ASSERT_TRUE(e.is_object()) << "the entry itself is still listed";
  EXPECT_EQ(e.value("target_hidden", false), true) << e.dump();
  EXPECT_EQ(e.value("target_label", ""), "閲覧権限のない情報資産");
  EXPECT_EQ(e.value("detail_withheld", false), true);
  EXPECT_TRUE(e["detail"].is_null()) << e.dump();
  Reply page = csirt_->client->Get("/api/v1/audit-log?per_page=200&target_type=asset");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find(secret_name_), std::string::npos) << "the name leaks through the log";
  Reply csv = csirt_->client->Get("/api/v1/audit-log/export?target_type=asset");
  ASSERT_EQ(csv.status, 200) << csv.Describe();
  EXPECT_EQ(csv.body.find(secret_name_), std::string::npos) << "the name leaks through the export";
  EXPECT_NE(csv.body.find(secret_id_), std::string::npos) << "the entry is in the export, by id";

  // What the reader may see stays named; a reader of 機密性3 sees the name.
  EXPECT_EQ(EntryOf(*csirt_, "asset.create", "asset:" + open_id_).value("target_label", ""), open_name_);
  json full = EntryOf(*auditor_, "asset.create", "asset:" + secret_id_);
  ASSERT_TRUE(full.is_object());
  EXPECT_EQ(full.value("target_label", ""), secret_name_);
  EXPECT_EQ(full.value("detail_withheld", true), false);
  EXPECT_EQ(full["detail"].value("name", ""), secret_name_);
}

TEST_F(AuditLogTest, FiltersByObjectType) {
  const int64_t all = AuditLog("per_page=1").value("total", 0);
  for (const char* type : {"asset", "user", "org_unit"}) {
    json r = AuditLog(std::string("per_page=200&target_type=") + type);
    const int64_t total = r.value("total", 0);
    EXPECT_GT(total, 0) << type;
    EXPECT_LT(total, all) << type;
    for (const auto& e : r["items"]) {
      EXPECT_EQ(e.value("target", "").rfind(std::string(type) + ":", 0), 0u) << e.dump();
      EXPECT_EQ(e.value("target_type", ""), type);
    }
  }
}

TEST_F(AuditLogTest, TheRefusalsFilterListsOnlyDeniedEntries) {
  // A failure (wrong password) is not a refusal.
  ASSERT_EQ(NewClient()->Login(manager_->login_id, "wrong-password-1A!").status, 401);
  json failures = AuditLog("per_page=200&result=failure");
  EXPECT_GT(failures.value("total", 0), 0);
  json denied = AuditLog("per_page=200&result=denied");
  for (const auto& e : denied["items"]) EXPECT_EQ(e.value("result", ""), "denied") << e.dump();
  for (const auto& e : failures["items"]) EXPECT_EQ(e.value("result", ""), "failure") << e.dump();
  EXPECT_LT(denied.value("total", 0), AuditLog("per_page=1").value("total", 0));
}

TEST_F(AuditLogTest, BadFiltersAreRefusedNamingTheFieldAndLogNothing) {
  const int64_t head = LogHead();
  const std::pair<const char*, const char*> cases[] = {
      {"/api/v1/audit-log?target_type=bogus", "target_type"},
      {"/api/v1/audit-log?target_type=org%25", "target_type"},
      {"/api/v1/audit-log?result=maybe", "result"},
      {"/api/v1/audit-log?lang=fr", "lang"},
      {"/api/v1/audit-log/export?target_type=asset:", "target_type"},
      {"/api/v1/audit-log/export?lang=de", "lang"},
  };
  for (const auto& [path, field] : cases) {
    Reply r = admin_->client->Get(path);
    EXPECT_TRUE(IsProblem(r, 422, "validation_failed")) << path << ": " << r.Describe();
    EXPECT_TRUE(HasFieldError(r, field)) << path << ": " << r.Describe();
  }
  EXPECT_EQ(LogHead(), head) << "a refused export is not recorded as an export";
}

TEST_F(AuditLogTest, TheCsvHasJapaneseHeadingsByDefaultAndEnglishOnRequest) {
  Reply ja = admin_->client->Get("/api/v1/audit-log/export?target_type=asset");
  ASSERT_EQ(ja.status, 200) << ja.Describe();
  EXPECT_EQ(ja.body.substr(0, 3), "\xEF\xBB\xBF");
  const std::string ja_head = FirstLine(ja.body);
  for (const char* h : {"\"日時\"", "\"操作者\"", "\"ログインID\"", "\"接続元\"", "\"操作\"", "\"対象\"", "\"結果\"",
                        "\"条項\"", "\"詳細\"", "\"対象の名称\""})
    EXPECT_NE(ja_head.find(h), std::string::npos) << h << " in " << ja_head;
  EXPECT_NE(ja.body.find(open_name_), std::string::npos) << "names resolved as on the page";
  EXPECT_NE(ja.body.find("試験 " + manager_->login_id), std::string::npos) << "the actor's name";

  Reply en = admin_->client->Get("/api/v1/audit-log/export?target_type=asset&lang=en");
  ASSERT_EQ(en.status, 200) << en.Describe();
  const std::string en_head = FirstLine(en.body);
  EXPECT_EQ(en_head.rfind("\"seq\",\"at\"", 0), 0u) << en_head;
  for (const char* h : {"\"actor_name\"", "\"actor_login_id\"", "\"target_label\"", "\"detail\"", "\"hash\""})
    EXPECT_NE(en_head.find(h), std::string::npos) << h << " in " << en_head;
  EXPECT_EQ(en_head.find("日時"), std::string::npos);
  EXPECT_EQ(std::count(ja.body.begin(), ja.body.end(), '\n'), std::count(en.body.begin(), en.body.end(), '\n'))
      << "the same rows in both languages";
}

}  // namespace
}  // namespace mamori::itest

// The asset register and the information system ledger through the real server: labels from
// the pack, who sees what (kobe:4.2オ(2)), who registers and edits (kobe:4.2ウ(2)), optimistic
// locking, the state that only requests move, the history, and bad input of every kind — each a
// problem naming the field, with nothing changed (kobe:4.1, kobe:4.2, kobe:8.3.1ウ, kobe:8.3.5).
#include <iconv.h>

#include <algorithm>
#include <set>

#include "harness.hpp"

namespace mamori::itest {
namespace {

class AssetsTest : public ApiTest {
 protected:
  static void SetUpTestSuite() {
    ApiTest::SetUpTestSuite();
    if (!setup_error_.empty()) return;
    try {
      bureau_a_ = CreateOrgUnit(UniqueLogin("ba"), "bureau", city_id_);
      bureau_b_ = CreateOrgUnit(UniqueLogin("bb"), "bureau", city_id_);
      code_a_ = UniqueLogin("sa");
      code_b_ = UniqueLogin("sb");
      section_a_ = CreateOrgUnit(code_a_, "section", bureau_a_);
      section_b_ = CreateOrgUnit(code_b_, "section", bureau_b_);
      manager_ = new Person(NewSignedIn("im", {Role("information_manager", section_a_)}, section_a_));
      manager_b_ = new Person(NewSignedIn("imb", {Role("information_manager", section_b_)}, section_b_));
      staff_a_ = new Person(NewSignedIn("sta", {Role("staff", section_a_)}, section_a_));
      staff_b_ = new Person(NewSignedIn("stb", {Role("staff", section_b_)}, section_b_));
      // City-wide readers: the auditor may read 機密性3, CSIRT may not.
      auditor_ = new Person(NewSignedIn("aud", {{{"role", "auditor"}, {"scope_type", "city"}}}, section_b_));
      csirt_ = new Person(NewSignedIn("cs", {{{"role", "csirt"}, {"scope_type", "city"}}}, section_b_));
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    for (Person** p : {&manager_, &manager_b_, &staff_a_, &staff_b_, &auditor_, &csirt_}) {
      delete *p;
      *p = nullptr;
    }
    ApiTest::TearDownTestSuite();
  }

  static json Role(const std::string& role, const std::string& unit) {
    return {{"role", role}, {"scope_type", "org_unit"}, {"scope_id", unit}};
  }

  static json ValidAsset(const std::string& name = "") {
    return {{"name", name.empty() ? UniqueLogin("資産") : name},
            {"kind", "electronic_data"},
            {"owner_org_unit_id", section_a_},
            {"confidentiality", 2},
            {"integrity", 1},
            {"availability", 1},
            {"handling", json::array({"複製禁止"})},
            {"location", "本庁舎3階"}};
  }

  // POST /assets by `p` (201 required); the answer.
  static json CreateAsset(Person& p, const json& body) {
    Reply r = p.client->Post("/api/v1/assets", body);
    Require(r.status == 201, "POST /assets: " + r.Describe());
    return r.doc;
  }

  static std::string AssetPath(const json& a, const std::string& suffix = "") {
    return "/api/v1/assets/" + a["id"].get<std::string>() + suffix;
  }

  // Every asset, as the city-wide auditor (who may read 機密性3) counts them.
  static int64_t AssetCount() {
    Reply r = auditor_->client->Get("/api/v1/assets?per_page=1");
    Require(r.status == 200, "GET /assets: " + r.Describe());
    return r.doc["total"].get<int64_t>();
  }

  static std::set<std::string> ListedIds(Person& p, const std::string& query = "") {
    Reply r = p.client->Get("/api/v1/assets?per_page=200" + (query.empty() ? "" : "&" + query));
    Require(r.status == 200, "GET /assets: " + r.Describe());
    std::set<std::string> out;
    for (const auto& i : r.doc["items"]) out.insert(i["id"].get<std::string>());
    return out;
  }

  // asset.import entries in the log: one per imported file.
  static int64_t ImportsLogged() {
    return static_cast<int64_t>(AuditLog("action=asset.import&per_page=200")["items"].size());
  }

  static Person* manager_;
  static Person* manager_b_;
  static Person* staff_a_;
  static Person* staff_b_;
  static Person* auditor_;
  static Person* csirt_;
  static std::string bureau_a_, bureau_b_, section_a_, section_b_, code_a_, code_b_;
};

Person* AssetsTest::manager_ = nullptr;
Person* AssetsTest::manager_b_ = nullptr;
Person* AssetsTest::staff_a_ = nullptr;
Person* AssetsTest::staff_b_ = nullptr;
Person* AssetsTest::auditor_ = nullptr;
Person* AssetsTest::csirt_ = nullptr;
std::string AssetsTest::bureau_a_, AssetsTest::bureau_b_, AssetsTest::section_a_, AssetsTest::section_b_,
    AssetsTest::code_a_, AssetsTest::code_b_;

// 422 naming `field` (or "body" when `body_ok` and the parser refused the whole body).
::testing::AssertionResult Refused(const Reply& r, const std::string& field, const std::string& code = "",
                                   bool body_ok = false) {
  if (!IsProblem(r, 422, "validation_failed"))
    return ::testing::AssertionFailure() << "expected 422 naming " << field << ": " << r.Describe();
  if (HasFieldError(r, field, code)) return ::testing::AssertionSuccess();
  if (body_ok && HasFieldError(r, "body")) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "the problem does not name " << field << " (" << code << "): " << r.Describe();
}

TEST_F(AssetsTest, CreateAnswers201WithTheLabelAndEveryField) {
  const int64_t head = LogHead();
  json body = ValidAsset("住民票データ");
  body["confidentiality"] = 3;
  body["integrity"] = 2;
  body["availability"] = 2;
  body["handling"] = {"複製禁止", "持出禁止"};
  Reply r = manager_->client->Post("/api/v1/assets", body);
  ASSERT_EQ(r.status, 201) << r.Describe();
  const json& a = r.doc;
  EXPECT_EQ(a["id"].get<std::string>().size(), 32u);
  EXPECT_EQ(a["name"], "住民票データ");
  EXPECT_EQ(a["kind"], "electronic_data");
  EXPECT_EQ(a["owner_org_unit_id"], section_a_);
  EXPECT_TRUE(a["owner_org_unit_name"].is_string());
  EXPECT_EQ(a["confidentiality"], 3);
  EXPECT_EQ(a["integrity"], 2);
  EXPECT_EQ(a["availability"], 2);
  EXPECT_EQ(a["label"], "機密性3・完全性2・可用性2");
  EXPECT_EQ(a["label_en"], "Confidentiality 3 / Integrity 2 / Availability 2");
  EXPECT_EQ(a["in_scope"], true);
  EXPECT_EQ(a["handling"], json::array({"複製禁止", "持出禁止"}));
  EXPECT_EQ(a["location"], "本庁舎3階");
  EXPECT_TRUE(a["system_id"].is_null());
  EXPECT_EQ(a["state"], "in_use");
  EXPECT_EQ(a["created_by"], manager_->id);
  EXPECT_EQ(a["version"], 1);
  EXPECT_TRUE(a["created_at"].is_string());
  EXPECT_GT(LogHead(), head);

  Reply got = manager_->client->Get(AssetPath(a));
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.doc, a);
  EXPECT_TRUE(ListedIds(*manager_, "min_confidentiality=3&per_page=200").count(a["id"]));
  // A 機密性3 name is sealed at rest (docs/sealing.md): listed and read plain, never searched.
  EXPECT_FALSE(ListedIds(*manager_, "q=住民票").count(a["id"]));

  Reply h = manager_->client->Get(AssetPath(a, "/history"));
  ASSERT_EQ(h.status, 200) << h.Describe();
  ASSERT_EQ(h.doc["total"], 1);
  EXPECT_EQ(h.doc["items"][0]["action"], "asset.create");
  EXPECT_EQ(h.doc["items"][0]["actor"], manager_->id);
  EXPECT_EQ(h.doc["items"][0]["target"], "asset:" + a["id"].get<std::string>());

  json low = ValidAsset();
  low["confidentiality"] = 1;
  low.erase("handling");
  low.erase("location");
  Reply l = manager_->client->Post("/api/v1/assets", low);
  ASSERT_EQ(l.status, 201) << l.Describe();
  EXPECT_EQ(l.doc["in_scope"], false) << "class 1 on every axis is outside the standard";
  EXPECT_EQ(l.doc["handling"], json::array());
  EXPECT_TRUE(l.doc["location"].is_null());
}

TEST_F(AssetsTest, PatchNeedsTheVersionItReadAndLogsBeforeAndAfter) {
  json a = CreateAsset(*manager_, ValidAsset("旧名"));
  Reply p = manager_->client->Send("PATCH", AssetPath(a), json{{"version", 1}, {"name", "新名"}, {"integrity", 2}}.dump());
  ASSERT_EQ(p.status, 200) << p.Describe();
  EXPECT_EQ(p.doc["name"], "新名");
  EXPECT_EQ(p.doc["version"], 2);
  EXPECT_EQ(p.doc["label"], "機密性2・完全性2・可用性1");
  EXPECT_EQ(p.doc["handling"], json::array({"複製禁止"})) << "fields not sent stay";

  const int64_t head = LogHead();
  Reply stale = manager_->client->Send("PATCH", AssetPath(a), json{{"version", 1}, {"name", "上書き"}}.dump());
  EXPECT_TRUE(IsProblem(stale, 409, "conflict")) << stale.Describe();
  Reply no_version = manager_->client->Send("PATCH", AssetPath(a), json{{"name", "上書き"}}.dump());
  EXPECT_TRUE(Refused(no_version, "version", "required"));
  EXPECT_EQ(LogHead(), head);
  EXPECT_EQ(manager_->client->Get(AssetPath(a)).doc["name"], "新名");

  Reply h = manager_->client->Get(AssetPath(a, "/history"));
  ASSERT_EQ(h.doc["total"], 2);
  const json& upd = h.doc["items"][0];
  EXPECT_EQ(upd["action"], "asset.update");
  EXPECT_EQ(upd["detail"]["changes"]["name"]["from"], "旧名");
  EXPECT_EQ(upd["detail"]["changes"]["name"]["to"], "新名");
  EXPECT_EQ(upd["detail"]["changes"]["integrity"]["from"], 1);
  EXPECT_EQ(upd["detail"]["changes"]["integrity"]["to"], 2);
  EXPECT_FALSE(upd["detail"]["changes"].contains("kind"));

  // Clearing optional fields with null.
  Reply clear = manager_->client->Send("PATCH", AssetPath(a),
                                       json{{"version", 2}, {"location", nullptr}, {"handling", nullptr}}.dump());
  ASSERT_EQ(clear.status, 200) << clear.Describe();
  EXPECT_TRUE(clear.doc["location"].is_null());
  EXPECT_EQ(clear.doc["handling"], json::array());
}

TEST_F(AssetsTest, TheStateIsNotEditable) {
  json a = CreateAsset(*manager_, ValidAsset());
  const int64_t head = LogHead();
  for (const char* state : {"disposed", "taken_out", "in_use"}) {
    Reply p = manager_->client->Send("PATCH", AssetPath(a), json{{"version", 1}, {"state", state}}.dump());
    EXPECT_TRUE(Refused(p, "state", "read_only")) << state;
  }
  json body = ValidAsset();
  body["state"] = "disposed";
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", body), "state", "read_only"));
  for (const char* field : {"label", "version", "created_by", "id"}) {
    json b = ValidAsset();
    b[field] = "x";
    EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), field, "read_only")) << field;
  }
  EXPECT_EQ(LogHead(), head);
  Reply got = manager_->client->Get(AssetPath(a));
  EXPECT_EQ(got.doc["state"], "in_use");
  EXPECT_EQ(got.doc["version"], 1);
}

TEST_F(AssetsTest, RestrictedAssetsAreSeenOnlyByTheOwnerSectionAndReadRestrictedHolders) {
  json secret_body = ValidAsset("機密性3の資産");
  secret_body["confidentiality"] = 3;
  json secret = CreateAsset(*manager_, secret_body);
  json normal = CreateAsset(*manager_, ValidAsset("機密性2の資産"));
  const std::string sid = secret["id"];
  // CSIRT reads city-wide but not 機密性3 of another section: 404, absent from lists.
  EXPECT_TRUE(IsProblem(csirt_->client->Get(AssetPath(secret)), 404, "not_found"));
  EXPECT_TRUE(IsProblem(csirt_->client->Get(AssetPath(secret, "/history")), 404, "not_found"));
  EXPECT_FALSE(ListedIds(*csirt_).count(sid));
  EXPECT_FALSE(ListedIds(*csirt_, "min_confidentiality=3").count(sid));
  EXPECT_TRUE(ListedIds(*csirt_).count(normal["id"]));
  EXPECT_EQ(csirt_->client->Get(AssetPath(normal)).status, 200);
  // The auditor holds assets.read_restricted city-wide.
  EXPECT_EQ(auditor_->client->Get(AssetPath(secret)).status, 200);
  EXPECT_TRUE(ListedIds(*auditor_).count(sid));
  // Staff of the owner section see it; staff elsewhere see nothing of section A.
  EXPECT_EQ(staff_a_->client->Get(AssetPath(secret)).status, 200);
  EXPECT_TRUE(ListedIds(*staff_a_).count(sid));
  EXPECT_TRUE(IsProblem(staff_b_->client->Get(AssetPath(normal)), 404, "not_found"));
  EXPECT_FALSE(ListedIds(*staff_b_).count(normal["id"]));
  // Another section's manager may neither see nor edit it.
  Reply p = manager_b_->client->Send("PATCH", AssetPath(normal), json{{"version", 1}, {"name", "x"}}.dump());
  EXPECT_TRUE(IsProblem(p, 404, "not_found")) << p.Describe();
  // Seeing is not editing: the auditor may read but not change.
  Reply q = auditor_->client->Send("PATCH", AssetPath(normal), json{{"version", 1}, {"name", "x"}}.dump());
  EXPECT_TRUE(IsProblem(q, 403, "forbidden")) << q.Describe();
  // A malformed or unknown id is simply not found.
  EXPECT_TRUE(IsProblem(auditor_->client->Get("/api/v1/assets/zzz"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(auditor_->client->Get("/api/v1/assets/" + std::string(32, 'a')), 404, "not_found"));
}

TEST_F(AssetsTest, StaffRegisterWhatTheyMakeForTheirOwnSectionOnly) {
  const int64_t count = AssetCount();
  json body = ValidAsset("自作の資料");
  Reply mine = staff_a_->client->Post("/api/v1/assets", body);
  ASSERT_EQ(mine.status, 201) << mine.Describe();
  EXPECT_EQ(mine.doc["created_by"], staff_a_->id);
  body["owner_org_unit_id"] = section_b_;
  EXPECT_TRUE(IsProblem(staff_a_->client->Post("/api/v1/assets", body), 403, "forbidden"));
  Reply edit = staff_a_->client->Send("PATCH", AssetPath(mine.doc), json{{"version", 1}, {"name", "改名"}}.dump());
  EXPECT_TRUE(IsProblem(edit, 403, "forbidden")) << edit.Describe();
  // A manager of section A cannot register for section B either.
  EXPECT_TRUE(IsProblem(manager_->client->Post("/api/v1/assets", body), 403, "forbidden"));
  EXPECT_EQ(AssetCount(), count + 1);
}

TEST_F(AssetsTest, ListFiltersPagesAndChecksItsParameters) {
  const std::string tag = UniqueLogin("一覧");
  for (int i = 0; i < 5; ++i) {
    json b = ValidAsset(tag + "-" + std::to_string(i));
    // Levels 1 and 2 only: a 機密性3 name is sealed and not found by q (sealing_test.cpp).
    b["confidentiality"] = 1 + i % 2;
    if (i == 4) b["kind"] = "paper_document";
    CreateAsset(*manager_, b);
  }
  Reply page = auditor_->client->Get("/api/v1/assets?q=" + tag + "&per_page=2&page=2");
  ASSERT_EQ(page.status, 200) << page.Describe();
  EXPECT_EQ(page.doc["total"], 5);
  ASSERT_EQ(page.doc["items"].size(), 2u);
  EXPECT_EQ(page.doc["items"][0]["name"], tag + "-2");
  EXPECT_EQ(ListedIds(*auditor_, "q=" + tag + "&min_confidentiality=2").size(), 2u);
  EXPECT_EQ(ListedIds(*auditor_, "q=" + tag + "&kind=paper_document").size(), 1u);
  EXPECT_EQ(ListedIds(*auditor_, "q=" + tag + "&state=in_use").size(), 5u);
  EXPECT_EQ(ListedIds(*auditor_, "q=" + tag + "&state=disposed").size(), 0u);
  EXPECT_EQ(ListedIds(*auditor_, "q=" + tag + "&owner_org_unit_id=" + section_b_).size(), 0u);
  EXPECT_EQ(ListedIds(*auditor_, "q=%25").size(), 0u) << "LIKE wildcards are literal";
  EXPECT_EQ(ListedIds(*auditor_, "q=_").size(), 0u);
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?min_confidentiality=abc"), "min_confidentiality"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?state=lost"), "state"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?kind=spaceship"), "kind"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?per_page=0"), "per_page"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?per_page=201"), "per_page"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?page=x"), "page"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?q=" + std::string(101, 'x')), "q"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets?q=a%01b"), "q"));
}

TEST_F(AssetsTest, BadInputOfEveryKindIsNamedAndChangesNothing) {
  json target = CreateAsset(*manager_, ValidAsset());
  const std::string patch_path = AssetPath(target);
  const int64_t head = LogHead();
  const int64_t count = AssetCount();
  auto post = [&](const std::string& raw) { return manager_->client->PostRaw("/api/v1/assets", raw); };
  auto patch = [&](const std::string& raw) { return manager_->client->Send("PATCH", patch_path, raw); };
  // The body of a valid POST with one field replaced by raw JSON text.
  auto with = [](json body, const std::string& field, const std::string& raw) {
    body.erase(field);
    std::string s = body.dump();
    s.pop_back();
    return s + (body.empty() ? "" : ",") + "\"" + field + "\":" + raw + "}";
  };
  const json valid = ValidAsset();
  const json valid_patch = {{"version", 1}};

  for (const std::string& raw : {std::string("{"), std::string(""), std::string("{\"name\": }"),
                                std::string("{'name': 'x'}"), std::string("{\"a\":1} trailing")}) {
    EXPECT_TRUE(Refused(post(raw), "body", "malformed_json")) << raw;
    EXPECT_TRUE(Refused(patch(raw), "body", "malformed_json")) << raw;
  }
  for (const std::string& raw : {std::string("[]"), std::string("null"), std::string("42"), std::string("\"x\"")}) {
    EXPECT_TRUE(Refused(post(raw), "body")) << raw;
    EXPECT_TRUE(Refused(patch(raw), "body")) << raw;
  }
  // Missing and wrongly typed fields.
  Reply empty = post("{}");
  for (const char* f : {"name", "kind", "owner_org_unit_id", "confidentiality", "integrity", "availability"})
    EXPECT_TRUE(HasFieldError(empty, f, "required")) << f;
  for (const char* f : {"name", "kind", "owner_org_unit_id", "location", "system_id"}) {
    for (const char* raw : {"12", "true", "{}", "[\"x\"]"}) {
      EXPECT_TRUE(Refused(post(with(valid, f, raw)), f, "wrong_type")) << f << ": " << raw;
      EXPECT_TRUE(Refused(patch(with(valid_patch, f, raw)), f, "wrong_type")) << f << ": " << raw;
    }
  }
  for (const char* f : {"confidentiality", "integrity", "availability"}) {
    for (const char* raw : {"\"2\"", "1.5", "true", "[2]", "{}"}) {
      EXPECT_TRUE(Refused(post(with(valid, f, raw)), f, "wrong_type")) << f << ": " << raw;
      EXPECT_TRUE(Refused(patch(with(valid_patch, f, raw)), f, "wrong_type")) << f << ": " << raw;
    }
    // Levels the pack does not define.
    for (const char* raw : {"0", "-1", "4", "99", "9223372036854775807", "18446744073709551615"}) {
      EXPECT_TRUE(Refused(post(with(valid, f, raw)), f, "out_of_range")) << f << ": " << raw;
      EXPECT_TRUE(Refused(patch(with(valid_patch, f, raw)), f, "out_of_range")) << f << ": " << raw;
    }
  }
  EXPECT_TRUE(Refused(post(with(valid, "integrity", "3")), "integrity", "out_of_range")) << "Kobe: integrity is 1–2";
  EXPECT_TRUE(Refused(post(with(valid, "availability", "3")), "availability", "out_of_range"));
  for (const char* raw : {"\"lost\"", "\"ELECTRONIC_DATA\""})
    EXPECT_TRUE(Refused(post(with(valid, "kind", raw)), "kind", "not_allowed")) << raw;
  EXPECT_TRUE(Refused(post(with(valid, "kind", "\"\"")), "kind", "required"));
  for (const char* raw : {"null", "\"x\"", "1.5", "0", "-3"})
    EXPECT_TRUE(Refused(patch(with(json::object(), "version", raw)), "version")) << raw;
  // Unknown fields, and null for what cannot be empty.
  json unknown = valid;
  unknown["is_secret"] = true;
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", unknown), "is_secret", "unknown_field"));
  EXPECT_TRUE(Refused(patch(json{{"version", 1}, {"owner", "x"}}.dump()), "owner", "unknown_field"));
  EXPECT_TRUE(Refused(patch(json{{"version", 1}, {"name", nullptr}}.dump()), "name", "required"));
  EXPECT_TRUE(Refused(patch(json{{"version", 1}, {"confidentiality", nullptr}}.dump()), "confidentiality", "required"));
  // Oversized, control-character and badly encoded strings.
  const std::string ten_kb(10 * 1024, 'x');
  for (const char* f : {"name", "location"}) {
    json b = valid;
    b[f] = ten_kb;
    EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), f, "too_long")) << f;
    b[f] = std::string(f == std::string("name") ? 201 : 201, 'y');
    EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), f, "too_long")) << f;
    for (const std::string& bad : {std::string("a\x01" "b"), std::string("a\x1b[31mb"), std::string("a\x7f"),
                                  std::string("a\0b", 3), std::string("two\nlines")}) {
      b[f] = bad;
      EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), f, "control_characters")) << f;
      json pb = {{"version", 1}, {f, bad}};
      EXPECT_TRUE(Refused(patch(pb.dump()), f, "control_characters")) << f;
    }
    EXPECT_TRUE(Refused(post(with(valid, f, "\"a\xff\xfe" "b\"")), f, "", /*body_ok=*/true)) << f;
    EXPECT_TRUE(Refused(post(with(valid, f, "\"\\ud800\"")), f, "", /*body_ok=*/true)) << f;
  }
  EXPECT_TRUE(Refused(post(with(valid, "name", "\"\"")), "name", "required"));
  // Handling restrictions: a list of at most ten short, clean strings.
  json many = json::array();
  for (int i = 0; i < 10001; ++i) many.push_back("h" + std::to_string(i));
  json b = valid;
  b["handling"] = many;
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "handling", "too_many_items"));
  EXPECT_TRUE(Refused(patch(json{{"version", 1}, {"handling", many}}.dump()), "handling", "too_many_items"));
  b["handling"] = json::array({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"});
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "handling", "too_many_items"));
  b["handling"] = json::array({std::string(51, 'z')});
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "handling[0]", "too_long"));
  b["handling"] = json::array({"ok", "tab\there"});
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "handling[1]", "control_characters"));
  b["handling"] = json::array({"複製禁止", 5});
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "handling[1]", "wrong_type"));
  b["handling"] = json::array({""});
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "handling[0]"));
  b["handling"] = json::array({"複製禁止", "複製禁止"});
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "handling[1]", "duplicate"));
  for (const char* raw : {"\"複製禁止\"", "12", "{}"})
    EXPECT_TRUE(Refused(post(with(valid, "handling", raw)), "handling", "wrong_type")) << raw;
  // References: the owner is an existing section, the system an existing system.
  b = valid;
  b["owner_org_unit_id"] = std::string(32, '0');
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "owner_org_unit_id", "not_found"));
  b["owner_org_unit_id"] = bureau_a_;
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "owner_org_unit_id", "not_a_section"));
  b = valid;
  b["system_id"] = std::string(32, '0');
  EXPECT_TRUE(Refused(manager_->client->Post("/api/v1/assets", b), "system_id", "not_found"));
  EXPECT_TRUE(Refused(patch(json{{"version", 1}, {"system_id", std::string(32, '0')}}.dump()), "system_id", "not_found"));
  // Several problems at once.
  Reply all = manager_->client->Post("/api/v1/assets", json{{"name", 1}, {"kind", "x"}, {"confidentiality", 9}, {"z", 1}});
  for (const char* f : {"name", "kind", "confidentiality", "integrity", "availability", "owner_org_unit_id", "z"})
    EXPECT_TRUE(HasFieldError(all, f)) << f;

  EXPECT_EQ(LogHead(), head) << "refused input was logged or changed something";
  EXPECT_EQ(AssetCount(), count);
  Reply got = manager_->client->Get(patch_path);
  EXPECT_EQ(got.doc["version"], 1);
  EXPECT_EQ(got.doc, target);
}

// ---- the information system ledger -------------------------------------------------------

TEST_F(AssetsTest, SystemLedgerRoundTripAndScope) {
  json body = {{"name", "住民記録システム"},
               {"owner_org_unit_id", section_a_},
               {"network_zone", "mynumber"},
               {"hosting", "on_premises"},
               {"sla_availability", "99.9"},
               {"rto_minutes", 240},
               {"rpo_minutes", 0},
               {"system_admin_user_id", manager_->id},
               {"notes", "二重化構成\n夜間バッチあり"}};
  const int64_t head = LogHead();
  Reply r = admin_->client->Post("/api/v1/systems", body);
  ASSERT_EQ(r.status, 201) << r.Describe();
  const json sys = r.doc;
  EXPECT_EQ(sys["network_zone_label"], "マイナンバー利用事務系");
  EXPECT_EQ(sys["sla_availability"], "99.9");
  EXPECT_EQ(sys["rto_minutes"], 240);
  EXPECT_EQ(sys["rpo_minutes"], 0);
  EXPECT_EQ(sys["system_admin_user_id"], manager_->id);
  EXPECT_TRUE(sys["system_owner_user_id"].is_null());
  EXPECT_EQ(sys["version"], 1);
  EXPECT_GT(LogHead(), head);
  const std::string path = "/api/v1/systems/" + sys["id"].get<std::string>();
  EXPECT_EQ(admin_->client->Get(path).doc, sys);
  // The section's manager reads its systems, not another bureau's, and may not register one.
  EXPECT_EQ(manager_->client->Get(path).status, 200);
  EXPECT_TRUE(IsProblem(manager_b_->client->Get(path), 404, "not_found"));
  Reply listed = manager_b_->client->Get("/api/v1/systems?per_page=200");
  ASSERT_EQ(listed.status, 200) << listed.Describe();
  for (const auto& i : listed.doc["items"]) EXPECT_NE(i["id"], sys["id"]);
  json other = body;
  other["name"] = "勝手なシステム";
  EXPECT_TRUE(IsProblem(manager_->client->Post("/api/v1/systems", other), 403, "forbidden"));
  Reply all = admin_->client->Get("/api/v1/systems?network_zone=mynumber&q=住民記録");
  ASSERT_EQ(all.status, 200);
  EXPECT_GE(all.doc["total"].get<int64_t>(), 1);

  // PATCH with the version read; stale is a conflict; null clears.
  Reply p = admin_->client->Send("PATCH", path, json{{"version", 1}, {"rto_minutes", nullptr}, {"hosting", "cloud"}}.dump());
  ASSERT_EQ(p.status, 200) << p.Describe();
  EXPECT_TRUE(p.doc["rto_minutes"].is_null());
  EXPECT_EQ(p.doc["hosting"], "cloud");
  EXPECT_EQ(p.doc["version"], 2);
  EXPECT_TRUE(IsProblem(admin_->client->Send("PATCH", path, json{{"version", 1}, {"name", "x"}}.dump()), 409, "conflict"));
  EXPECT_TRUE(IsProblem(manager_->client->Send("PATCH", path, json{{"version", 2}, {"name", "x"}}.dump()), 403,
                        "forbidden"));

  // An asset may name the system.
  json a = ValidAsset("住民記録DB");
  a["system_id"] = sys["id"];
  Reply asset = manager_->client->Post("/api/v1/assets", a);
  ASSERT_EQ(asset.status, 201) << asset.Describe();
  EXPECT_EQ(asset.doc["system_id"], sys["id"]);
}

TEST_F(AssetsTest, SystemBadInputIsNamedAndChangesNothing) {
  const json valid = {{"name", "財務会計"}, {"owner_org_unit_id", section_a_}, {"network_zone", "lgwan"}, {"hosting", "cloud"}};
  Reply created = admin_->client->Post("/api/v1/systems", valid);
  ASSERT_EQ(created.status, 201) << created.Describe();
  const std::string path = "/api/v1/systems/" + created.doc["id"].get<std::string>();
  const int64_t head = LogHead();
  auto post = [&](const json& b) { return admin_->client->Post("/api/v1/systems", b); };
  auto patch = [&](const json& b) { return admin_->client->Send("PATCH", path, b.dump()); };
  auto with = [&](const char* f, const json& v) {
    json b = valid;
    b[f] = v;
    return b;
  };
  EXPECT_TRUE(Refused(admin_->client->PostRaw("/api/v1/systems", "{"), "body", "malformed_json"));
  EXPECT_TRUE(Refused(admin_->client->Send("PATCH", path, std::string("[1]")), "body"));
  Reply empty = post(json::object());
  for (const char* f : {"name", "owner_org_unit_id", "network_zone", "hosting"})
    EXPECT_TRUE(HasFieldError(empty, f, "required")) << f;
  EXPECT_TRUE(Refused(post(with("network_zone", "dmz")), "network_zone", "not_allowed"));
  EXPECT_TRUE(Refused(post(with("hosting", "basement")), "hosting", "not_allowed"));
  for (const char* sla : {"101", "99.9999", "abc", "-1", "99,9", " 99"})
    EXPECT_TRUE(Refused(post(with("sla_availability", sla)), "sla_availability", "invalid_format")) << sla;
  EXPECT_TRUE(Refused(post(with("sla_availability", 99.9)), "sla_availability", "wrong_type"));
  for (const json& v : {json(-1), json(525601), json(1.5), json("60")}) {
    EXPECT_TRUE(Refused(post(with("rto_minutes", v)), "rto_minutes")) << v.dump();
    EXPECT_TRUE(Refused(patch({{"version", 1}, {"rpo_minutes", v}}), "rpo_minutes")) << v.dump();
  }
  EXPECT_TRUE(Refused(post(with("name", std::string(101, 'n'))), "name", "too_long"));
  EXPECT_TRUE(Refused(post(with("name", "a\x01")), "name", "control_characters"));
  EXPECT_TRUE(Refused(post(with("notes", std::string(2001, 'n'))), "notes", "too_long"));
  EXPECT_TRUE(Refused(post(with("notes", "a\x1b")), "notes", "control_characters"));
  EXPECT_TRUE(Refused(post(with("owner_org_unit_id", std::string(32, '0'))), "owner_org_unit_id", "not_found"));
  EXPECT_TRUE(Refused(post(with("system_owner_user_id", std::string(32, '0'))), "system_owner_user_id", "not_found"));
  EXPECT_TRUE(Refused(post(with("uptime", 1)), "uptime", "unknown_field"));
  EXPECT_TRUE(Refused(post(with("version", 3)), "version", "read_only"));
  EXPECT_TRUE(Refused(patch({{"name", "x"}}), "version", "required"));
  EXPECT_TRUE(Refused(patch({{"version", 1}, {"hosting", nullptr}}), "hosting", "required"));
  EXPECT_TRUE(IsProblem(admin_->client->Get("/api/v1/systems/nope"), 404, "not_found"));
  EXPECT_TRUE(Refused(admin_->client->Get("/api/v1/systems?network_zone=dmz"), "network_zone"));
  EXPECT_EQ(LogHead(), head);
  EXPECT_EQ(admin_->client->Get(path).doc, created.doc);
}

TEST_F(AssetsTest, ChangesAreInTheOperationLogAndTheChainHolds) {
  json a = CreateAsset(*manager_, ValidAsset("ログ確認"));
  ASSERT_EQ(manager_->client->Send("PATCH", AssetPath(a), json{{"version", 1}, {"location", "倉庫"}}.dump()).status, 200);
  json log = AuditLog("action=asset.");
  bool create = false, update = false;
  const std::string target = "asset:" + a["id"].get<std::string>();
  for (const auto& e : log["items"]) {
    if (e["target"] != target) continue;
    create |= e["action"] == "asset.create";
    update |= e["action"] == "asset.update" && e["detail"]["changes"]["location"]["to"] == "倉庫";
  }
  EXPECT_TRUE(create && update) << log.dump();
  ProcResult v = server_->LogVerify();
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

// ---- the register as files: CSV import and Excel/CSV export --------------------------------

// `utf8` as CP932 bytes, the way Excel saves a CSV on Japanese Windows.
std::string ToCp932(const std::string& utf8) {
  iconv_t cd = iconv_open("CP932", "UTF-8");
  Require(cd != reinterpret_cast<iconv_t>(-1), "iconv_open CP932");
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size(), out_left = out.size();
  char* o = out.data();
  const size_t n = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  Require(n != static_cast<size_t>(-1), "not representable in CP932: " + utf8);
  out.resize(out.size() - out_left);
  return out;
}

constexpr char kCsvHead[] = "名称,種別,所管課コード,機密性,完全性,可用性,取扱制限,保管場所\r\n";

Reply PostCsv(Person& p, const std::string& bytes, const std::string& query = "",
              const std::string& type = "text/csv") {
  return p.client->Send("POST", "/api/v1/assets/import" + query, bytes, Csrf::kSend, {"Content-Type: " + type});
}

// The errors[] of a problem as "row field code column".
std::vector<std::string> RowErrors(const Reply& r) {
  std::vector<std::string> out;
  for (const auto& e : r.doc.value("errors", json::array()))
    out.push_back(std::to_string(e.value("row", 0)) + " " + e.value("field", "") + " " + e.value("code", "") + " " +
                  e.value("column", ""));
  return out;
}

TEST_F(AssetsTest, Cp932CsvFromExcelIsImportedWholeAndLogged) {
  const int64_t before = AssetCount();
  const int64_t imports = ImportsLogged();
  const std::string name1 = UniqueLogin("住民税台帳"), name2 = UniqueLogin("会議録");
  const std::string csv = std::string(kCsvHead) + name1 + ",電子データ," + code_a_ + ",3,2,2,複製禁止、持出禁止,サーバ室\r\n" +
                          "\"" + name2 + "\",紙文書," + code_a_ + ",機密性2,１,1,,\"書庫,2段目\"\r\n";
  // Shift_JIS declared in the Content-Type, as a browser or a script might send it.
  Reply r = PostCsv(*manager_, ToCp932(csv), "?file_name=" + std::string("%E5%8F%B0%E5%B8%B3.csv"),
                    "text/csv; charset=Shift_JIS");
  ASSERT_EQ(r.status, 201) << r.Describe();
  EXPECT_EQ(r.doc["imported"], 2);
  EXPECT_EQ(r.doc["encoding"], "cp932");
  ASSERT_EQ(r.doc["ids"].size(), 2u);
  EXPECT_EQ(AssetCount(), before + 2);
  Reply first = manager_->client->Get("/api/v1/assets/" + r.doc["ids"][0].get<std::string>());
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.doc["name"], name1);
  EXPECT_EQ(first.doc["label"], "機密性3・完全性2・可用性2");
  EXPECT_EQ(first.doc["handling"], json::array({"複製禁止", "持出禁止"}));
  Reply second = manager_->client->Get("/api/v1/assets/" + r.doc["ids"][1].get<std::string>());
  EXPECT_EQ(second.doc["location"], "書庫,2段目") << "a quoted cell keeps its comma";
  EXPECT_EQ(second.doc["integrity"], 1);
  // Without a declared charset the bytes decide: CP932 again, then UTF-8 with a BOM.
  const std::string third = std::string(kCsvHead) + UniqueLogin("自動判定") + ",端末," + code_a_ + ",1,1,1,,\r\n";
  Reply sniffed = PostCsv(*manager_, ToCp932(third), "", "application/octet-stream");
  ASSERT_EQ(sniffed.status, 201) << sniffed.Describe();
  EXPECT_EQ(sniffed.doc["encoding"], "cp932");
  Reply bom = PostCsv(*manager_, "\xEF\xBB\xBF" + std::string(kCsvHead) + UniqueLogin("BOM付き") + ",端末," + code_a_ +
                                     ",1,1,1,,\r\n");
  ASSERT_EQ(bom.status, 201) << bom.Describe();
  EXPECT_EQ(bom.doc["encoding"], "utf-8");
  // One asset.import per file, with what identifies the file; the chain holds.
  json log = AuditLog("action=asset.import&per_page=200");
  EXPECT_EQ(static_cast<int64_t>(log["items"].size()), imports + 3);
  bool named = false;
  for (const auto& e : log["items"])
    named |= e["detail"].value("file_name", "") == "台帳.csv" && e["detail"]["rows"] == 2 &&
             e["detail"]["sha256"].get<std::string>().size() == 64;
  EXPECT_TRUE(named) << log.dump();
  ProcResult v = server_->LogVerify();
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

TEST_F(AssetsTest, ARejectedRowStopsTheWholeFileAndEveryProblemIsNamed) {
  const int64_t before = AssetCount();
  const int64_t imports = ImportsLogged();
  const std::string csv = std::string(kCsvHead) + UniqueLogin("正常") + ",電子データ," + code_a_ + ",2,1,1,,\r\n" +
                          ",宇宙船,no-such-code,4,高,1,,\r\n" +                       // row 3: five problems
                          UniqueLogin("他課") + ",端末," + code_b_ + ",1,1,1,,\r\n" +  // row 4: not the manager's section
                          "\r\n" +                                                      // row 5: blank, skipped
                          UniqueLogin("正常2") + ",端末," + code_a_ + ",1,1,1,,=cmd()\r\n";
  Reply r = PostCsv(*manager_, csv);
  ASSERT_TRUE(IsProblem(r, 422, "validation_failed")) << r.Describe();
  EXPECT_EQ(RowErrors(r), (std::vector<std::string>{"3 integrity not_a_number 完全性",
                                                    "3 owner_org_unit_id not_found 所管課コード", "3 name required 名称",
                                                    "3 kind not_allowed 種別", "3 confidentiality out_of_range 機密性",
                                                    "4 owner_org_unit_id forbidden 所管課コード"}))
      << r.body;
  EXPECT_NE(r.doc["detail"].get<std::string>().find("4 行のうち 2 行"), std::string::npos) << r.doc["detail"];
  EXPECT_EQ(AssetCount(), before) << "nothing half-imported";
  EXPECT_EQ(ImportsLogged(), imports);
  // A dry run of the same file answers the same and writes nothing; of a good file, the count.
  Reply dry = PostCsv(*manager_, csv, "?dry_run=true");
  EXPECT_TRUE(IsProblem(dry, 422, "validation_failed"));
  Reply good = PostCsv(*manager_, std::string(kCsvHead) + UniqueLogin("確認") + ",端末," + code_a_ + ",1,1,1,,\r\n",
                       "?dry_run=true");
  ASSERT_EQ(good.status, 200) << good.Describe();
  EXPECT_EQ(good.doc["dry_run"], true);
  EXPECT_EQ(good.doc["rows"], 1);
  EXPECT_EQ(AssetCount(), before);
}

TEST_F(AssetsTest, BadFilesAndParametersAreNamedAndChangeNothing) {
  const int64_t before = AssetCount();
  const std::string ok_row = UniqueLogin("x") + ",端末," + code_a_ + ",1,1,1,,\r\n";
  EXPECT_TRUE(Refused(PostCsv(*manager_, ""), "file", "empty"));
  EXPECT_TRUE(Refused(PostCsv(*manager_, kCsvHead), "file", "empty"));
  EXPECT_TRUE(Refused(PostCsv(*manager_, std::string(kCsvHead) + ok_row, "?encoding=latin1"), "encoding", "not_allowed"));
  EXPECT_TRUE(Refused(PostCsv(*manager_, std::string(kCsvHead) + ok_row, "?dry_run=maybe"), "dry_run", "wrong_type"));
  EXPECT_TRUE(Refused(PostCsv(*manager_, std::string(kCsvHead) + ok_row, "?file_name=a%00b"), "file_name"));
  // CP932 bytes declared as UTF-8; an unterminated quote; a header nobody knows.
  Reply bytes = PostCsv(*manager_, ToCp932(std::string(kCsvHead) + ok_row), "?encoding=utf-8");
  EXPECT_TRUE(Refused(bytes, "file", "invalid_encoding"));
  EXPECT_EQ(bytes.doc["errors"][0]["row"], 1);
  Reply quote = PostCsv(*manager_, std::string(kCsvHead) + ok_row + "\"unterminated,端末\r\n");
  EXPECT_TRUE(Refused(quote, "file", "malformed_csv"));
  EXPECT_EQ(quote.doc["errors"][0]["row"], 3);
  Reply header = PostCsv(*manager_, "名称,種別,所管課コード,機密性,完全性,可用性,秘密の列\r\n" + ok_row);
  EXPECT_EQ(RowErrors(header), std::vector<std::string>{"1 header unknown_column 秘密の列"});
  Reply json_body = manager_->client->Post("/api/v1/assets/import", json{{"name", "x"}});
  EXPECT_TRUE(Refused(json_body, "header") || Refused(json_body, "file")) << json_body.Describe();
  // Over 1 MiB is fine for an import (the JSON limit is not the upload limit), over 8 MiB is not.
  std::string big = kCsvHead;
  const std::string shelf(120, 'S');
  while (big.size() < 1200 * 1024) big += UniqueLogin("大量") + "," + "端末," + code_a_ + ",1,1,1,," + shelf + "\r\n";
  Reply large = PostCsv(*manager_, big, "?dry_run=true");
  ASSERT_EQ(large.status, 200) << large.Describe();
  EXPECT_GT(large.doc["rows"].get<int64_t>(), 5000);
  Reply huge = PostCsv(*manager_, std::string(9 * 1024 * 1024, 'x'));
  EXPECT_TRUE(IsProblem(huge, 413, "payload_too_large")) << huge.Describe();
  // No CSRF token; no right to register at all.
  EXPECT_TRUE(IsProblem(manager_->client->Send("POST", "/api/v1/assets/import", std::string(kCsvHead) + ok_row,
                                               Csrf::kOmit, {"Content-Type: text/csv"}),
                        403, "csrf_failed"));
  EXPECT_TRUE(IsProblem(PostCsv(*csirt_, std::string(kCsvHead) + ok_row), 403, "forbidden"));
  EXPECT_EQ(AssetCount(), before);
}

TEST_F(AssetsTest, ExportIsAnExcelWorkbookOfWhatTheReaderSeesAndIsLogged) {
  json open = CreateAsset(*manager_, ValidAsset(UniqueLogin("出力2")));
  json secret = ValidAsset(UniqueLogin("出力3"));
  secret["confidentiality"] = 3;
  secret = CreateAsset(*manager_, secret);
  Reply xlsx = auditor_->client->Get("/api/v1/assets/export");
  ASSERT_EQ(xlsx.status, 200) << xlsx.Describe();
  EXPECT_EQ(xlsx.ContentType(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_NE(xlsx.Header("content-disposition").find(".xlsx"), std::string::npos);
  EXPECT_EQ(xlsx.Header("cache-control"), "no-store");
  EXPECT_EQ(xlsx.body.substr(0, 4), std::string("PK\x03\x04", 4));
  // CSV: UTF-8 with BOM, Japanese headings; CSIRT (city-wide, no read_restricted) never sees
  // the 機密性3 asset in a file either.
  Reply csv = csirt_->client->Get("/api/v1/assets/export?format=csv&owner_org_unit_id=" + section_a_);
  ASSERT_EQ(csv.status, 200) << csv.Describe();
  EXPECT_EQ(csv.body.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(csv.body.substr(3, csv.body.find("\r\n") - 3),
            "\"管理番号\",\"名称\",\"種別\",\"所管課コード\",\"所管課\",\"機密性\",\"完全性\",\"可用性\",\"格付\","
            "\"取扱制限\",\"保管場所\",\"情報システム\",\"状態\",\"更新日\",\"版\"");
  EXPECT_NE(csv.body.find(open["name"].get<std::string>()), std::string::npos);
  EXPECT_EQ(csv.body.find(secret["name"].get<std::string>()), std::string::npos);
  EXPECT_NE(csv.body.find("\"機密性2・完全性1・可用性1\""), std::string::npos);
  Reply en = auditor_->client->Get("/api/v1/assets/export?format=csv&lang=en&per_page=1");
  ASSERT_EQ(en.status, 200);
  EXPECT_EQ(en.body.substr(3, 12), "\"ID\",\"Name\",");
  // The export went into the log with its filter.
  json log = AuditLog("action=asset.export&per_page=200");
  bool filtered = false;
  for (const auto& e : log["items"]) filtered |= e["detail"]["filter"].value("owner_org_unit_id", "") == section_a_;
  EXPECT_TRUE(filtered) << log.dump();
  // What the export writes, the import reads (here as a dry run: it would register copies).
  Reply again = PostCsv(*manager_, csv.body, "?dry_run=true");
  ASSERT_EQ(again.status, 200) << again.Describe();
  EXPECT_GE(again.doc["rows"].get<int64_t>(), 1);
  // Bad parameters; no permission to read assets at all.
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets/export?format=pdf"), "format", "not_allowed"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets/export?lang=fr"), "lang", "not_allowed"));
  EXPECT_TRUE(Refused(auditor_->client->Get("/api/v1/assets/export?state=lost"), "state", "not_allowed"));
  Person nobody = NewSignedIn("nob", {});
  EXPECT_TRUE(IsProblem(nobody.client->Get("/api/v1/assets/export"), 403, "forbidden"));
}

TEST_F(AssetsTest, TheImportTemplateHasTheImportableHeadings) {
  Reply t = staff_a_->client->Get("/api/v1/assets/import-template");
  ASSERT_EQ(t.status, 200) << t.Describe();
  EXPECT_EQ(t.body, "\xEF\xBB\xBF\"名称\",\"種別\",\"所管課コード\",\"所管課\",\"機密性\",\"完全性\",\"可用性\",\"取扱制限\","
                    "\"保管場所\",\"情報システム\"\r\n");
  Reply en = staff_a_->client->Get("/api/v1/assets/import-template?lang=en");
  EXPECT_EQ(en.body.substr(3, 8), "\"Name\",\"");
}

}  // namespace
}  // namespace mamori::itest

// Attachments on register records (docs/registers.md, "Attachments") through API v1, with the
// Kobe pack's incident register: evidence attached to a report (kobe:7.3.3エ, 9.4.1) is sealed at
// rest, its SHA-256 is in the upload's log entry, only whoever sees the incident reads it back
// (404 to anyone else), bad input is named and stores nothing, and nothing is edited or deleted
// afterwards — a mistaken file is withdrawn with a note and kept. Runs on SQLite and PostgreSQL.
#include <cctype>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "kobe_people.hpp"
#include "storage/db.hpp"

namespace mamori::itest {
namespace {

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

// A small real PNG header followed by bytes: enough for the type check, unlike any text.
std::string PngBytes(const std::string& tag) {
  std::string b = "\x89PNG\r\n\x1a\n";
  b += std::string("\0\0\0\rIHDR", 8);
  b += "evidence-" + tag;
  for (int i = 0; i < 64; ++i) b += static_cast<char>(i * 7);
  return b;
}

class AttachmentsTest : public KobePeopleTest {
 protected:
  static void SetUpTestSuite() {
    SetUpSuiteWith([] {
      const std::string bureau = CreateOrgUnit(UniqueLogin("attb"), "bureau", city_id_);
      section_a_ = CreateOrgUnit(UniqueLogin("atta"), "section", bureau);
      section_b_ = CreateOrgUnit(UniqueLogin("attc"), "section", bureau);
      staff_a_ = Make("attstaffa", section_a_, {UnitRole("staff", section_a_)});
      staff_b_ = Make("attstaffb", section_b_, {UnitRole("staff", section_b_)});
      chief_a_ = Make("attchiefa", section_a_, {UnitRole("information_manager", section_a_)});
      csirt_ = Make("attcsirt", city_id_, {CityRole("csirt")});
    });
  }

  static void TearDownTestSuite() { TearDownSuiteWith({&staff_a_, &staff_b_, &chief_a_, &csirt_}); }


  // A draft incident report by staff of section A (201 required): its path.
  static std::string Incident(const std::string& title) {
    Reply r = staff_a_->client->Post("/api/v1/incidents", {{"title", title}, {"owner_org_unit_id", section_a_}});
    Require(r.status == 201, "POST /incidents: " + r.Describe());
    return "/api/v1/incidents/" + r.doc["id"].get<std::string>();
  }

  static Reply Upload(Person& p, const std::string& path, const std::string& query, const std::string& bytes,
                      const std::string& type = "application/octet-stream") {
    return p.client->Send("POST", path + "/attachments" + query, bytes, Csrf::kSend, {"Content-Type: " + type});
  }

  static int64_t Count(Person& p, const std::string& path) {
    Reply r = p.client->Get(path + "/attachments");
    Require(r.status == 200, "GET attachments: " + r.Describe());
    return r.doc.value("total", -1);
  }

  // The stored row's columns, read straight from the database (an attacker with the disk).
  static std::vector<std::string> StoredRow(const std::string& attachment_id) {
    auto db = storage::Database::Open(server_->StorageUrl(), 1);
    Require(db.ok(), "open the database");
    auto conn = (*db)->Acquire();
    Require(conn.ok(), "acquire a connection");
    std::vector<std::string> out;
    auto st = (*conn)->Query("SELECT file_name, content, sha256 FROM register_attachments WHERE id = ?", {attachment_id},
                             [&](const storage::Row& r) { out = {r.Str(0), r.Str(1), r.Str(2)}; });
    Require(st.ok() && out.size() == 3, "no stored attachment " + attachment_id);
    return out;
  }

  static inline std::string section_a_, section_b_;
  static inline Person *staff_a_ = nullptr, *staff_b_ = nullptr, *chief_a_ = nullptr, *csirt_ = nullptr;
};

TEST_F(AttachmentsTest, AReporterAttachesEvidenceSealedAtRestWithItsHashInTheLogAndReadsItBack) {
  const std::string path = Incident("不審メールの添付を開いた");
  const std::string bytes = PngBytes(UniqueLogin("png"));
  const std::string sha = crypto::Sha256Hex(bytes);
  const std::string name = "画面写真 " + UniqueLogin("n") + ".png";

  Reply up = Upload(*staff_a_, path, "?name=" + UrlEncode(name), bytes, "image/png");
  ASSERT_EQ(up.status, 201) << up.Describe();
  EXPECT_EQ(up.doc["file_name"], name);
  EXPECT_EQ(up.doc["sha256"], sha);
  EXPECT_EQ(up.doc["size"], static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(up.doc["media_type"], "image/png");
  EXPECT_EQ(up.doc["created_by"], staff_a_->id);
  EXPECT_EQ(up.doc["withdrawn"], false);
  const std::string aid = up.doc["id"].get<std::string>();

  // The upload's log entry is on the incident (its timeline) and holds the file's SHA-256.
  json entries = AuditLog("action=incident.attachment_add&actor=" + staff_a_->id);
  ASSERT_FALSE(entries["items"].empty()) << entries.dump();
  const json& entry = entries["items"][0];
  EXPECT_EQ(entry["result"], "success");
  EXPECT_EQ(entry["target"], "incident:" + path.substr(path.rfind('/') + 1));
  EXPECT_EQ(entry["detail"]["sha256"], sha);
  EXPECT_EQ(entry["detail"]["attachment_id"], aid);
  EXPECT_EQ(entry.dump().find("画面写真"), std::string::npos) << "the name stays out of the log";
  Reply history = staff_a_->client->Get(path + "/history");
  ASSERT_EQ(history.status, 200) << history.Describe();
  EXPECT_NE(history.body.find("incident.attachment_add"), std::string::npos) << history.body;

  // At rest neither the name nor the bytes are readable; the hash is.
  const auto stored = StoredRow(aid);
  EXPECT_EQ(stored[0].find("画面写真"), std::string::npos);
  EXPECT_EQ(stored[0].rfind("\x1fs1:", 0), 0u) << "the name is sealed";
  EXPECT_EQ(stored[1].rfind("\x1fs1:", 0), 0u) << "the content is sealed";
  EXPECT_EQ(stored[1].find("evidence-"), std::string::npos);
  EXPECT_EQ(stored[2], sha);

  // Read back byte for byte by the reporter and by the CSIRT, as a download; each read logged.
  const int64_t before = LogHead();
  for (Person* p : {staff_a_, csirt_}) {
    Reply got = p->client->Get(path + "/attachments/" + aid);
    ASSERT_EQ(got.status, 200) << got.Describe();
    EXPECT_EQ(got.body, bytes);
    EXPECT_EQ(got.ContentType(), "image/png");
    EXPECT_EQ(got.Header("content-disposition").rfind("attachment;", 0), 0u) << got.Header("content-disposition");
    EXPECT_EQ(got.Header("x-content-sha256"), sha);
    EXPECT_EQ(got.Header("x-content-type-options"), "nosniff");
  }
  json reads = AuditLog("action=incident.attachment_read");
  int after_before = 0;
  for (const auto& e : reads["items"]) after_before += e["seq"].get<int64_t>() > before;
  EXPECT_EQ(after_before, 2) << reads.dump();

  // The list names who attached it and when.
  Reply list = csirt_->client->Get(path + "/attachments");
  ASSERT_EQ(list.status, 200) << list.Describe();
  ASSERT_EQ(list.doc["total"], 1);
  EXPECT_EQ(list.doc["items"][0]["created_by_name"].is_string(), true);
  EXPECT_EQ(list.doc["items"][0]["sha256"], sha);
}

TEST_F(AttachmentsTest, SomeoneWhoMayNotSeeTheIncidentGets404EverywhereAndNothingIsStored) {
  const std::string path = Incident("USBメモリの紛失");
  Reply up = Upload(*staff_a_, path, "?name=memo.txt", "紛失の経緯", "text/plain");
  ASSERT_EQ(up.status, 201) << up.Describe();
  const std::string aid = up.doc["id"].get<std::string>();

  const int64_t head = LogHead();
  EXPECT_TRUE(IsProblem(Upload(*staff_b_, path, "?name=x.txt", "他課からの添付"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(staff_b_->client->Get(path + "/attachments"), 404, "not_found"));
  EXPECT_TRUE(IsProblem(staff_b_->client->Get(path + "/attachments/" + aid), 404, "not_found"));
  EXPECT_TRUE(IsProblem(staff_b_->client->Post(path + "/attachments/" + aid + "/withdraw", {{"note", "x"}}), 404,
                        "not_found"));
  // An attachment id of another record is not found under this one.
  const std::string other = Incident("別件");
  EXPECT_TRUE(IsProblem(staff_a_->client->Get(other + "/attachments/" + aid), 404, "not_found"));
  EXPECT_EQ(Count(*staff_a_, path), 1);
  EXPECT_EQ(Count(*staff_a_, other), 0);
  // The refused upload, download and withdrawal are on the record as denied entries.
  json denied = AuditLog("actor=" + staff_b_->id);
  int refusals = 0;
  for (const auto& e : denied["items"])
    if (e["seq"].get<int64_t>() > head && e["result"] == "denied") ++refusals;
  EXPECT_GE(refusals, 3) << denied.dump();
}

TEST_F(AttachmentsTest, BadFilesAreRefusedNamingTheFieldAndStoreNothing) {
  const std::string path = Incident("誤ったファイルの添付");
  const int64_t head = LogHead();
  EXPECT_TRUE(HasFieldError(Upload(*staff_a_, path, "", PngBytes("a")), "name", "required"));
  EXPECT_TRUE(HasFieldError(Upload(*staff_a_, path, "?name=a%2Fb.png", PngBytes("b")), "name", "invalid_format"));
  EXPECT_TRUE(HasFieldError(Upload(*staff_a_, path, "?name=a%01.png", PngBytes("c")), "name", "invalid_format"));
  EXPECT_TRUE(HasFieldError(Upload(*staff_a_, path, "?name=" + std::string(201, 'x') + ".png", PngBytes("d")), "name",
                            "too_long"));
  EXPECT_TRUE(HasFieldError(Upload(*staff_a_, path, "?name=tool.exe", "MZ\x90"), "name", "not_allowed"));
  EXPECT_TRUE(HasFieldError(Upload(*staff_a_, path, "?name=noext", "text"), "name", "not_allowed"));
  Reply fake = Upload(*staff_a_, path, "?name=report.pdf", "<html><script>alert(1)</script></html>", "application/pdf");
  EXPECT_TRUE(IsProblem(fake, 422, "validation_failed"));
  EXPECT_TRUE(HasFieldError(fake, "file", "type_mismatch"));
  EXPECT_TRUE(HasFieldError(Upload(*staff_a_, path, "?name=empty.txt", ""), "file", "required"));
  // Over the register's limit (Kobe: 5 MiB, under the server's upload limit): 413 naming the file.
  Reply big = Upload(*staff_a_, path, "?name=big.txt", std::string(5 * 1024 * 1024 + 1, 'a'));
  EXPECT_TRUE(IsProblem(big, 413, "payload_too_large"));
  EXPECT_TRUE(HasFieldError(big, "file", "too_large"));
  // Without the CSRF token nothing is read at all.
  EXPECT_TRUE(IsProblem(staff_a_->client->Send("POST", path + "/attachments?name=a.txt", std::string("x"), Csrf::kOmit,
                                               {"Content-Type: text/plain"}),
                        403, "csrf_failed"));
  EXPECT_EQ(Count(*staff_a_, path), 0) << "nothing stored";
  // Each refusal is a denied entry; no success entry was written.
  json log = AuditLog("action=incident.attachment_add&actor=" + staff_a_->id);
  int denied = 0, success = 0;
  for (const auto& e : log["items"]) {
    if (e["seq"].get<int64_t>() <= head) continue;
    denied += e["result"] == "denied";
    success += e["result"] == "success";
  }
  EXPECT_EQ(success, 0);
  EXPECT_GE(denied, 8) << log.dump();
}

TEST_F(AttachmentsTest, NothingIsEditedOrDeletedAMistakenFileIsWithdrawnWithANoteAndKept) {
  const std::string path = Incident("誤って添付した写真");
  const std::string bytes = PngBytes("withdraw");
  Reply up = Upload(*staff_a_, path, "?name=wrong.png", bytes, "image/png");
  ASSERT_EQ(up.status, 201) << up.Describe();
  const std::string aid = up.doc["id"].get<std::string>();
  const std::string one = path + "/attachments/" + aid;

  // No route changes or removes an attachment.
  EXPECT_EQ(staff_a_->client->Delete(one).status, 405);
  EXPECT_EQ(staff_a_->client->Send("PATCH", one, json{{"file_name", "x.png"}}.dump()).status, 405);
  EXPECT_EQ(staff_a_->client->Send("PUT", one, bytes).status, 405);

  // The section chief sees the incident but neither attached the file nor manages incidents.
  EXPECT_TRUE(IsProblem(chief_a_->client->Post(one + "/withdraw", {{"note", "不要"}}), 403, "forbidden"));
  // A note is required, and it is named.
  EXPECT_TRUE(HasFieldError(staff_a_->client->Post(one + "/withdraw", json::object()), "note", "required"));
  EXPECT_TRUE(HasFieldError(staff_a_->client->Post(one + "/withdraw", {{"note", std::string(1001, 'x')}}), "note",
                            "too_long"));
  Reply listed = staff_a_->client->Get(path + "/attachments");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.doc["items"][0]["withdrawn"], false) << "refused withdrawals changed nothing";

  Reply w = staff_a_->client->Post(one + "/withdraw", {{"note", "別の事案の写真を誤って添付した"}});
  ASSERT_EQ(w.status, 200) << w.Describe();
  EXPECT_EQ(w.doc["withdrawn"], true);
  EXPECT_EQ(w.doc["withdrawn_by"], staff_a_->id);
  EXPECT_EQ(w.doc["withdrawn_note"], "別の事案の写真を誤って添付した");
  EXPECT_TRUE(IsProblem(csirt_->client->Post(one + "/withdraw", {{"note", "再度"}}), 409, "conflict"));

  // Kept: still listed, still readable byte for byte, its hash unchanged; the withdrawal logged.
  Reply got = csirt_->client->Get(one);
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.body, bytes);
  EXPECT_EQ(Count(*staff_a_, path), 1);
  json log = AuditLog("action=incident.attachment_withdraw&actor=" + staff_a_->id);
  ASSERT_FALSE(log["items"].empty());
  EXPECT_EQ(log["items"][0]["detail"]["note"], "別の事案の写真を誤って添付した");
  EXPECT_EQ(log["items"][0]["detail"]["sha256"], crypto::Sha256Hex(bytes));

  // A manager of the register (the CSIRT) may withdraw what someone else attached.
  Reply up2 = Upload(*staff_a_, path, "?name=second.txt", "二つ目", "text/plain");
  ASSERT_EQ(up2.status, 201) << up2.Describe();
  Reply w2 = csirt_->client->Post(path + "/attachments/" + up2.doc["id"].get<std::string>() + "/withdraw",
                                  {{"note", "証拠として不適切"}});
  EXPECT_EQ(w2.status, 200) << w2.Describe();
}

TEST_F(AttachmentsTest, ARegisterWithoutAttachmentsHasNoAttachmentRoutes) {
  // Kobe's emergency contact list takes no files: its records have no attachments path.
  Reply r = csirt_->client->Get("/api/v1/emergency-contacts/0123456789abcdef0123456789abcdef/attachments");
  EXPECT_EQ(r.status, 404) << r.Describe();
}

}  // namespace
}  // namespace mamori::itest

#include "audit/operation_log.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "storage/repos.hpp"
#include "storage/test_db.hpp"

namespace mamori::audit {
namespace {

class OperationLogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<storage::TestDatabase>(GetParam());
    ASSERT_NE(tdb_->db(), nullptr) << "no " << GetParam() << " test database (MAMORI_TEST_PG_URL unset?)";
    auto kp = crypto::GenerateEcP256();
    ASSERT_TRUE(kp.ok());
    key_ = SigningKey{"", kp->private_pem, kp->public_pem};
    log_ = std::make_unique<OperationLog>(clock_, key_, /*checkpoint_every=*/10);
  }

  void AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      auto st = tdb_->db()->Write([&](storage::Connection& c) -> Result<int64_t> {
        Event e;
        e.action = "test.event";
        e.actor_login = "user" + std::to_string(i);
        e.detail = {{"i", i}, {"text", "日本語"}};
        clock_.Advance(1000);
        return log_->Append(c, e);
      });
      ASSERT_TRUE(st.ok());
    }
  }

  VerifyReport Verify() {
    auto r = tdb_->db()->Read([&](storage::Connection& c) { return log_->Verify(c); });
    EXPECT_TRUE(r.ok());
    return *r;
  }

  void Sql(const std::string& sql) {
    auto c = tdb_->db()->Acquire();
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->ExecScript(sql).ok()) << sql;
  }

  ManualClock clock_{1'700'000'000'000'000};
  SigningKey key_;
  std::unique_ptr<storage::TestDatabase> tdb_;
  std::unique_ptr<OperationLog> log_;
};

TEST_P(OperationLogTest, IntactChainVerifies) {
  AppendN(25);
  auto rep = Verify();
  EXPECT_TRUE(rep.ok) << rep.reason;
  EXPECT_EQ(rep.entries, 25);
  EXPECT_EQ(rep.checkpoints, 2);
  EXPECT_EQ(rep.head.size(), 64u);
}

TEST_P(OperationLogTest, EditedEntryIsFound) {
  AppendN(25);
  Sql("UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 7");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 7);
}

TEST_P(OperationLogTest, DeletedEntryIsFound) {
  AppendN(25);
  Sql("DELETE FROM audit_log WHERE seq = 12");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 12);
}

TEST_P(OperationLogTest, SwappedEntriesAreFound) {
  AppendN(25);
  Sql("UPDATE audit_log SET seq = -1 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = 6;"
      "UPDATE audit_log SET seq = 6 WHERE seq = -1");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 5);
}

TEST_P(OperationLogTest, TruncatedTailIsFound) {
  AppendN(25);
  Sql("DELETE FROM audit_log WHERE seq > 20");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 21);
}

TEST_P(OperationLogTest, ConsistentRewriteIsCaughtByCheckpoint) {
  AppendN(25);
  // An attacker edits entry 13 and recomputes every later hash and the head, but cannot
  // re-sign checkpoint 20.
  std::vector<storage::LogEntryRecord> entries;
  ASSERT_TRUE(tdb_->db()->Read([&](storage::Connection& c) {
    return storage::AuditRepo(c).Scan(1, 0, [&](const storage::LogEntryRecord& e) { entries.push_back(e); });
  }).ok());
  entries[12].detail = "{\"forged\":true}";
  for (size_t i = 12; i < entries.size(); ++i) {
    entries[i].prev_hash = entries[i - 1].hash;
    entries[i].hash = EntryHash(entries[i]);
  }
  Sql("DELETE FROM audit_log WHERE seq >= 13");
  ASSERT_TRUE(tdb_->db()->Write([&](storage::Connection& c) -> Status {
    storage::AuditRepo repo(c);
    for (size_t i = 12; i < entries.size(); ++i) MAMORI_TRY(repo.Insert(entries[i]));
    return repo.SetHead(entries.back().seq, entries.back().hash);
  }).ok());
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 11);  // after the last good checkpoint (10)
}

TEST_P(OperationLogTest, ForgedCheckpointSignatureIsFound) {
  AppendN(25);
  Sql("UPDATE log_checkpoints SET signature = 'AAAA' WHERE seq = 20");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 11);
}

TEST_P(OperationLogTest, RolledBackAppendLeavesNothing) {
  AppendN(3);
  auto r = tdb_->db()->Write([&](storage::Connection& c) -> Status {
    Event e;
    e.action = "test.event";
    MAMORI_TRY(log_->Append(c, e).ok() ? Ok() : Status(Error::Internal("x")));
    return Error::Conflict("the change failed after logging");
  });
  EXPECT_FALSE(r.ok());
  auto rep = Verify();
  EXPECT_TRUE(rep.ok);
  EXPECT_EQ(rep.entries, 3);
}

TEST(CanonicalEncodingTest, LengthPrefixedFieldsInOrder) {
  storage::LogEntryRecord e;
  e.seq = 1;
  e.at = 2;
  e.actor = "a";
  e.actor_login = "";
  e.session = "s";
  e.address = "ip";
  e.action = "x.y";
  e.target = "t";
  e.result = "success";
  e.clause = "";
  e.detail = "{}";
  const std::string enc = CanonicalEncoding(e);
  EXPECT_EQ(enc.substr(0, 5), std::string("\0\0\0\x01" "1", 5));
  EXPECT_EQ(enc.size(), 11 * 4 + 1 + 1 + 1 + 0 + 1 + 2 + 3 + 1 + 7 + 0 + 2);
  e.prev_hash = kGenesisHash;
  // Known answer so an outside implementation of docs/operation_log.md can check itself.
  EXPECT_EQ(EntryHash(e), crypto::Sha256Hex(std::string(32, '\0') + enc));
}

INSTANTIATE_TEST_SUITE_P(Engines, OperationLogTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::audit

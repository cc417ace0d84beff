#include "audit/operation_log.hpp"

#include <unistd.h>

#include <filesystem>

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

  // Entry 1 is the init entry, as `mamori init` writes it; then test events.
  void AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      auto st = tdb_->db()->Write([&](storage::Connection& c) -> Result<int64_t> {
        Event e;
        e.action = "test.event";
        if (next_ == 1) {
          e.action = "system.init";
          e.actor = "system";
        }
        ++next_;
        e.actor_login = "user" + std::to_string(i);
        e.detail = {{"i", i}, {"text", "日本語"}};
        clock_.Advance(1000);
        return log_->Append(c, e);
      });
      ASSERT_TRUE(st.ok());
    }
  }

  VerifyReport Verify(const VerifyInput& in = {}) {
    auto r = tdb_->db()->Read([&](storage::Connection& c) { return log_->Verify(c, in); });
    EXPECT_TRUE(r.ok());
    return *r;
  }

  void Sql(const std::string& sql) {
    auto c = tdb_->db()->Acquire();
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->ExecScript(sql).ok()) << sql;
  }

  int64_t next_ = 1;
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

TEST_P(OperationLogTest, DeletedCheckpointIsNamed) {
  AppendN(35);
  Sql("DELETE FROM log_checkpoints WHERE seq = 20");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 20) << rep.reason;
}

TEST_P(OperationLogTest, ChainRehashedWithItsCheckpointsDeletedIsFound) {
  AppendN(35);
  Sql("DELETE FROM log_checkpoints");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 10) << "a checkpoint was due at 10: " << rep.reason;
}

TEST_P(OperationLogTest, EntryOneMustBeTheInitEntry) {
  AppendN(5);
  Sql("UPDATE audit_log SET action = 'test.event' WHERE seq = 1");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 1);
  Sql("DELETE FROM audit_log; DELETE FROM log_checkpoints; UPDATE log_head SET seq = 0, hash = '" +
      std::string(kGenesisHash) + "'");
  auto empty = Verify();
  EXPECT_FALSE(empty.ok) << "an emptied log is not an intact one";
  EXPECT_EQ(empty.first_bad_seq, 1);
}

TEST_P(OperationLogTest, AnEntryTooLongAfterTheLastCheckpointIsFound) {
  // checkpoint_interval 300 s: the writer seals the first entry written 300 s or more after
  // the last checkpoint; one without that checkpoint is a checkpoint deleted.
  AppendN(3);
  clock_.Advance(320'000'000);
  AppendN(2);
  EXPECT_TRUE(Verify().ok);
  auto cps = tdb_->db()->Read([&](storage::Connection& c) { return storage::AuditRepo(c).Checkpoints(); });
  ASSERT_TRUE(cps.ok());
  ASSERT_EQ(cps->size(), 1u);
  EXPECT_EQ(cps->front().seq, 4) << "sealed by time";
  Sql("DELETE FROM log_checkpoints WHERE seq = 4");
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_seq, 4) << rep.reason;
}

TEST_P(OperationLogTest, WitnessedHeadsFindATruncationAndARewrite) {
  const std::string dir = ::testing::TempDir() + "/witness-" + GetParam() + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  {
    Witness w(clock_, key_.private_pem, KeyIdOf(key_.public_pem), {dir, false});
    ASSERT_TRUE(w.Open().ok());
    log_->Attach(*tdb_->db(), &w);
    AppendN(15);
    w.Flush();
    EXPECT_GE(w.written(), 1) << "heads are coalesced, never dropped at the end";
    tdb_->db()->SetCommitHook({});
  }
  auto file = ReadWitness(dir);
  ASSERT_TRUE(file.ok());
  ASSERT_FALSE(file->heads.empty());
  EXPECT_EQ(file->heads.back().seq, 15);
  EXPECT_EQ(file->heads.back().checkpoint_seq, 10);
  auto intact = Verify({&*file});
  EXPECT_TRUE(intact.ok) << intact.reason;
  EXPECT_EQ(intact.last_witnessed_seq, 15);

  // The tail cut off and the head rewritten to match: only the witness knows.
  std::string hash13;
  ASSERT_TRUE(tdb_->db()->Read([&](storage::Connection& c) -> Status {
    return c.Query("SELECT hash FROM audit_log WHERE seq = 13", {}, [&](const storage::Row& r) { hash13 = r.Str(0); });
  }).ok());
  Sql("DELETE FROM audit_log WHERE seq > 13; UPDATE log_head SET seq = 13, hash = '" + hash13 + "'");
  EXPECT_TRUE(Verify().ok) << "without the witness the cut is invisible";
  auto cut = Verify({&*file});
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.first_bad_seq, 14) << cut.reason;
  EXPECT_EQ(cut.last_witnessed_seq, 15);

  // A head signed by another key is not trusted.
  auto other = crypto::GenerateEcP256();
  ASSERT_TRUE(other.ok());
  WitnessFile forged = *file;
  forged.heads.clear();
  auto sig = crypto::EcKey::FromPrivatePem(other->private_pem)->Sign(HeadMessage(99, std::string(64, 'a'), 1, 0));
  forged.heads.push_back({99, std::string(64, 'a'), 1, 0, KeyIdOf(key_.public_pem), crypto::Base64Encode(*sig), 1});
  auto rep = Verify({&forged});
  EXPECT_TRUE(rep.ok) << rep.reason;
  EXPECT_EQ(rep.witness_ignored, 1);
  std::filesystem::remove_all(dir);
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

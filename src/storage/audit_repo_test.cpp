// The operation-log storage on both engines: filters, target types, the head, checkpoints,
// the scan in seq order and entry times.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"
#include "storage/repos.hpp"
#include "storage/sample_records.hpp"

namespace mamori::storage {
namespace {

class AuditRepoTest : public ConformanceTest {};

using sample::Session;
using sample::User;

// A signed checkpoint of entry `seq` (hash "h<seq>"), made at `at`, after checkpoint `prev_seq`.
CheckpointRecord Checkpoint(int64_t seq, int64_t at, int64_t prev_seq) {
  CheckpointRecord c;
  c.seq = seq;
  c.hash = "h" + std::to_string(seq);
  c.at = at;
  c.key_id = "k";
  c.signature = "s" + std::to_string(seq);
  c.prev_seq = prev_seq;
  return c;
}

TEST_P(AuditRepoTest, AuditFiltersNewestFirst) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    AuditRepo a(c);
    for (int i = 1; i <= 5; ++i) {
      LogEntryRecord e{i, 100 * i, i % 2 ? "u1" : "u2", i % 2 ? "taro" : "jiro", "-", "10.0.0.1",
                       i < 3 ? "auth.login" : "user.create", "-", i == 2 ? "failure" : "success", "", "{}", "p", "h"};
      MAMORI_TRY(a.Insert(e));
    }
    return a.SetHead(5, "h");
  }).ok());
  auto list = [&](LogFilter f) {
    return *db_->Read([&](Connection& c) { return AuditRepo(c).List(f, {1, 50}); });
  };
  LogFilter f;
  EXPECT_EQ(list(f).front().seq, 5);
  f.actor = "taro";
  EXPECT_EQ(list(f).size(), 3u);
  f = {};
  f.action = "auth.";
  EXPECT_EQ(list(f).size(), 2u);
  f.result = "failure";
  EXPECT_EQ(list(f).size(), 1u);
  f = {};
  f.from = 200;
  f.to = 400;
  EXPECT_EQ(list(f).size(), 2u);
  f = {};
  f.restrict_actors = true;
  f.actor_ids = {"u2"};
  EXPECT_EQ(list(f).size(), 2u);
  auto head = db_->Read([&](Connection& c) { return AuditRepo(c).Head(); });
  EXPECT_EQ(head->first, 5);
}

TEST_P(AuditRepoTest, AuditTargetTypeMatchesThePrefixWithWildcardsTakenLiterally) {
  const char* targets[] = {"org_unit:s1", "orgXunit:s1", "asset:a1", "assets", "user:u1", "asset-import:i1"};
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    AuditRepo a(c);
    int64_t seq = 0;
    for (const char* t : targets) {
      ++seq;
      MAMORI_TRY(a.Insert({.seq = seq, .at = seq, .actor = "u1", .actor_login = "taro", .session = "-", .address = "-",
                           .action = "x.y", .target = t, .result = "success", .clause = "", .detail = "{}",
                           .prev_hash = "p", .hash = "h"}));
    }
    return a.SetHead(seq, "h");
  }).ok());
  auto targets_of = [&](const std::string& type) {
    LogFilter f;
    f.target_type = type;
    std::vector<std::string> out;
    for (const auto& e : *db_->Read([&](Connection& c) { return AuditRepo(c).List(f, {1, 50}); })) out.push_back(e.target);
    EXPECT_EQ(*db_->Read([&](Connection& c) { return AuditRepo(c).Count(f); }), static_cast<int64_t>(out.size()));
    return out;
  };
  EXPECT_EQ(targets_of("org_unit"), std::vector<std::string>{"org_unit:s1"}) << "_ is no wildcard";
  EXPECT_EQ(targets_of("asset"), std::vector<std::string>{"asset:a1"}) << "neither assets nor asset-import:";
  EXPECT_EQ(targets_of("asset-import"), std::vector<std::string>{"asset-import:i1"});
}

TEST_P(AuditRepoTest, CheckpointsAreKeptInSeqOrderAndTheLastNamesTheTimeOfItsEntry) {
  EXPECT_EQ(*db_->Read([](Connection& c) { return AuditRepo(c).LastCheckpoint(); }), (std::pair<int64_t, int64_t>{0, 0}));
  ASSERT_TRUE(db_->Write([](Connection& c) -> Status {
    AuditRepo a(c);
    for (int64_t seq = 1; seq <= 4; ++seq) {
      LogEntryRecord e;
      e.seq = seq;
      e.at = 100 * seq;
      e.actor = e.actor_login = e.session = e.address = e.target = "-";
      e.action = "system.init";
      e.result = "success";
      e.detail = "{}";
      e.prev_hash = "p";
      e.hash = "h" + std::to_string(seq);
      MAMORI_TRY(a.Insert(e));
    }
    MAMORI_TRY(a.InsertCheckpoint(Checkpoint(4, 401, 2)));
    return a.InsertCheckpoint(Checkpoint(2, 201, 0));
  }).ok());
  auto cps = db_->Read([](Connection& c) { return AuditRepo(c).Checkpoints(); });
  ASSERT_TRUE(cps.ok());
  ASSERT_EQ(cps->size(), 2u);
  EXPECT_EQ((*cps)[0].seq, 2);
  EXPECT_EQ((*cps)[1].seq, 4);
  EXPECT_EQ((*cps)[1].prev_seq, 2);
  EXPECT_EQ((*cps)[1].signature, "s4");
  EXPECT_EQ(*db_->Read([](Connection& c) { return AuditRepo(c).LastCheckpoint(); }), (std::pair<int64_t, int64_t>{4, 400}));
  EXPECT_EQ(*db_->Read([](Connection& c) { return AuditRepo(c).EntryTime(3); }), 300);
  EXPECT_EQ(*db_->Read([](Connection& c) { return AuditRepo(c).EntryTime(9); }), 0);
  std::vector<int64_t> scanned;
  ASSERT_TRUE(db_->Read([&](Connection& c) {
    return AuditRepo(c).Scan(2, 2, [&](LogEntryRecord&& e) { scanned.push_back(e.seq); });
  }).ok());
  EXPECT_EQ(scanned, (std::vector<int64_t>{2, 3})) << "from seq 2, two entries, in order";
  auto again = db_->Write([](Connection& c) {
    return AuditRepo(c).InsertCheckpoint(Checkpoint(4, 1, 2));
  });
  EXPECT_FALSE(again.ok()) << "one checkpoint per seq";
}

INSTANTIATE_TEST_SUITE_P(Engines, AuditRepoTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage

// Conformance of the attachment repository on SQLite and PostgreSQL: a row round-trips with its
// large text content, belongs to exactly one record of one register, lists oldest first without
// its content, and is marked withdrawn once only (docs/registers.md, "Attachments").
#include "storage/attachment_repo.hpp"

#include <gtest/gtest.h>

#include "storage/conformance_fixture.hpp"

namespace mamori::storage {
namespace {

class AttachmentStorageTest : public ConformanceTest {
 protected:
  static AttachmentRecord Row(const std::string& id, const std::string& record, int64_t at) {
    return AttachmentRecord{.id = id,
                            .register_id = "incidents",
                            .record_id = record,
                            .file_name = "\x1fs1:k0:name-" + id,
                            .media_type = "application/pdf",
                            .size_bytes = 12,
                            .sha256 = std::string(64, 'a'),
                            .content = "\x1fs1:k0:" + std::string(200000, 'Q'),
                            .created_by = "u1",
                            .created_at = at};
  }
};

TEST_P(AttachmentStorageTest, ARowRoundTripsAndBelongsToOneRecordOfOneRegister) {
  ASSERT_TRUE(db_->Write([&](Connection& c) -> Status {
    AttachmentRepo r(c);
    MAMORI_TRY(r.Insert(Row("a2", "rec1", 200)));
    MAMORI_TRY(r.Insert(Row("a1", "rec1", 100)));
    return r.Insert(Row("a3", "rec2", 150));
  }).ok());
  auto got = db_->Read([&](Connection& c) { return AttachmentRepo(c).Get("incidents", "rec1", "a1"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->content, Row("a1", "rec1", 100).content);
  EXPECT_EQ((*got)->file_name, "\x1fs1:k0:name-a1");
  EXPECT_EQ((*got)->size_bytes, 12);
  EXPECT_EQ((*got)->withdrawn_at, 0);
  EXPECT_EQ((*got)->withdrawn_by, "");
  // Under another record or another register it does not exist.
  auto elsewhere = db_->Read([&](Connection& c) { return AttachmentRepo(c).Get("incidents", "rec2", "a1"); });
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_FALSE(elsewhere->has_value());
  auto other_register = db_->Read([&](Connection& c) { return AttachmentRepo(c).Get("violations", "rec1", "a1"); });
  ASSERT_TRUE(other_register.ok());
  EXPECT_FALSE(other_register->has_value());

  auto list = db_->Read([&](Connection& c) { return AttachmentRepo(c).ListForRecord("incidents", "rec1"); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "a1") << "oldest first";
  EXPECT_EQ((*list)[1].id, "a2");
  EXPECT_TRUE((*list)[0].content.empty()) << "a list leaves the content out";
  auto n = db_->Read([&](Connection& c) { return AttachmentRepo(c).CountForRecord("incidents", "rec1"); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
}

TEST_P(AttachmentStorageTest, ARowIsMarkedWithdrawnOnceAndKeepsItsContent) {
  ASSERT_TRUE(db_->Write([&](Connection& c) { return AttachmentRepo(c).Insert(Row("w1", "rec", 1)); }).ok());
  auto first = db_->Write([&](Connection& c) { return AttachmentRepo(c).MarkWithdrawn("w1", 50, "u2", "誤って添付"); });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 1);
  auto again = db_->Write([&](Connection& c) { return AttachmentRepo(c).MarkWithdrawn("w1", 60, "u3", "再度"); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  auto got = db_->Read([&](Connection& c) { return AttachmentRepo(c).Get("incidents", "rec", "w1"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->withdrawn_at, 50);
  EXPECT_EQ((*got)->withdrawn_by, "u2");
  EXPECT_EQ((*got)->withdrawn_note, "誤って添付");
  EXPECT_EQ((*got)->content, Row("w1", "rec", 1).content);
}

INSTANTIATE_TEST_SUITE_P(Engines, AttachmentStorageTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace mamori::storage

#include "domain/register_attachments.hpp"

#include <string>

#include <gtest/gtest.h>

namespace mamori::domain {
namespace {

policy::AttachmentRules Rules() {
  return policy::AttachmentRules{.max_bytes = 100, .max_files = 3, .types = {"pdf", "txt", "png"}, .clause = ""};
}

std::vector<FieldError> FieldsOf(const Result<const policy::AttachmentType*>& r) {
  return r.ok() ? std::vector<FieldError>{} : r.error().fields;
}

TEST(CheckAttachmentTest, AFileOfAnAllowedTypeWithinTheLimitIsTakenWithItsType) {
  auto r = CheckAttachment(Rules(), "報告書.PDF", "%PDF-1.7 body");
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ((*r)->media_type, "application/pdf");
  auto t = CheckAttachment(Rules(), "メモ.txt", "何でも");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->ext, "txt");
}

TEST(CheckAttachmentTest, TooLargeIs413NamingTheFile) {
  auto r = CheckAttachment(Rules(), "a.txt", std::string(101, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(FieldsOf(r), (std::vector<FieldError>{{"file", "too_large"}}));
  EXPECT_TRUE(CheckAttachment(Rules(), "a.txt", std::string(100, 'x')).ok()) << "the limit itself is allowed";
}

TEST(CheckAttachmentTest, BadNamesAreNamedWithTheirReason) {
  using V = std::vector<FieldError>;
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "", "x")), (V{{"name", "required"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "../a.txt", "x")), (V{{"name", "invalid_format"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "a\\b.txt", "x")), (V{{"name", "invalid_format"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "a\nb.txt", "x")), (V{{"name", "invalid_format"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "\xff.txt", "x")), (V{{"name", "invalid_format"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "..", "x")), (V{{"name", "invalid_format"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), std::string(197, 'a') + ".txt", "x")), (V{{"name", "too_long"}}));
  EXPECT_TRUE(CheckAttachment(Rules(), std::string(196, 'a') + ".txt", "x").ok()) << "200 characters are allowed";
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "run.exe", "MZ")), (V{{"name", "not_allowed"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "noext", "x")), (V{{"name", "not_allowed"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), ".txt", "x")), (V{{"name", "not_allowed"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "a.docx", "PK\x03\x04")), (V{{"name", "not_allowed"}}))
      << "a type mamori knows but this register does not take";
}

TEST(CheckAttachmentTest, ContentThatIsNotOfTheNamedTypeOrEmptyIsRefused) {
  using V = std::vector<FieldError>;
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "a.pdf", "<html><script>")), (V{{"file", "type_mismatch"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "a.png", "%PDF-")), (V{{"file", "type_mismatch"}}));
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "a.txt", "")), (V{{"file", "required"}}));
  // Both named at once.
  EXPECT_EQ(FieldsOf(CheckAttachment(Rules(), "", "")), (V{{"name", "required"}, {"file", "required"}}));
}

}  // namespace
}  // namespace mamori::domain

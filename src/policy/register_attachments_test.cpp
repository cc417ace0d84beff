#include "policy/register_attachments.hpp"

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/pack.hpp"
#include "policy/registers.hpp"

namespace mamori::policy {
namespace {

std::string SourcePath(const std::string& rel) {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  return std::string(src ? src : ".") + "/" + rel;
}

// A minimal pack whose one register `files` has `attachments` as given ("" = none) and a
// transition named `transition`.
std::string PackWithAttachments(const std::string& attachments, const std::string& transition = "close") {
  return R"(pack: test
title: t
version: "1"
municipality: テスト市
roles:
  infrastructure_manager: {title: a, scopes: [city], permissions: [users.manage, files.read, files.manage]}
  security_manager: {title: b, scopes: [city, org_unit], permissions: [users.read, files.read]}
authentication:
  password: {clause: "1", min_length: 10}
  lockout: {clause: "2", max_failures: 3, lock_minutes: 1}
  session: {idle_minutes: 5, absolute_hours: 1}
  mfa: {required_for: none}
classification:
  confidentiality: {label: 機密性, levels: [1, 2, 3]}
  integrity: {label: 完全性, levels: [1, 2]}
  availability: {label: 可用性, levels: [1, 2]}
registers:
  files:
    title: 台帳
    permissions: {read: files.read, manage: files.manage}
    fields:
      title: {label: 件名, required: true, list: true}
    workflow:
      initial: open
      states:
        open: {label: 受付}
        closed: {label: 終了, final: true}
      transitions:
        )" + transition + R"(: {label: 終了, from: [open], to: closed, by: [manage]}
)" + (attachments.empty() ? std::string() : "    attachments: " + attachments + "\n");
}

std::vector<std::string> Errors(const std::string& text) {
  std::vector<PackError> errors;
  auto pack = ParsePack(text, errors);
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.message);
  return out;
}

bool AnyContains(const std::vector<std::string>& errors, const std::string& needle) {
  for (const auto& e : errors)
    if (e.find(needle) != std::string::npos) return true;
  return false;
}

TEST(RegisterAttachmentsTest, ARegisterTakesFilesOnlyWhenItsPackSaysSo) {
  std::vector<PackError> errors;
  auto none = ParsePack(PackWithAttachments(""), errors);
  ASSERT_TRUE(none) << (errors.empty() ? "" : errors[0].message);
  EXPECT_FALSE(none->FindRegister("files")->attachments.has_value());

  auto some = ParsePack(PackWithAttachments("{max_bytes: 1000, max_files: 3, types: [pdf, png], clause: \"9.9\"}"), errors);
  ASSERT_TRUE(some) << (errors.empty() ? "" : errors[0].message);
  const auto& rules = some->FindRegister("files")->attachments;
  ASSERT_TRUE(rules.has_value());
  EXPECT_EQ(rules->max_bytes, 1000);
  EXPECT_EQ(rules->max_files, 3);
  EXPECT_EQ(rules->types, (std::vector<std::string>{"pdf", "png"}));
  EXPECT_EQ(rules->clause, "9.9");
  EXPECT_TRUE(rules->Allows("pdf"));
  EXPECT_FALSE(rules->Allows("exe"));
  EXPECT_FALSE(rules->Allows("PDF")) << "the engine lower-cases a name's extension before asking";

  auto defaults = ParsePack(PackWithAttachments("{types: [txt]}"), errors);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->FindRegister("files")->attachments->max_bytes, 10 * 1024 * 1024);
  EXPECT_EQ(defaults->FindRegister("files")->attachments->max_files, 100);
}

TEST(RegisterAttachmentsTest, APackIsRefusedForTypesLimitsOrKeysTheEngineCannotKeep) {
  ASSERT_TRUE(Errors(PackWithAttachments("{types: [pdf]}")).empty()) << "the pack around the key is sound";
  EXPECT_TRUE(AnyContains(Errors(PackWithAttachments("{max_bytes: 1000}")), "types must list at least one"));
  EXPECT_TRUE(AnyContains(Errors(PackWithAttachments("{types: []}")), "types must list at least one"));
  EXPECT_TRUE(AnyContains(Errors(PackWithAttachments("{types: [exe]}")), "'exe' is not a file type mamori knows"));
  EXPECT_TRUE(AnyContains(Errors(PackWithAttachments("{types: [pdf, pdf]}")), "'pdf' appears twice"));
  EXPECT_FALSE(Errors(PackWithAttachments("{types: [pdf], max_bytes: 0}")).empty());
  EXPECT_FALSE(Errors(PackWithAttachments("{types: [pdf], max_bytes: 268435457}")).empty());
  EXPECT_FALSE(Errors(PackWithAttachments("{types: [pdf], max_files: 0}")).empty());
  EXPECT_TRUE(AnyContains(Errors(PackWithAttachments("{types: [pdf], size: 1}")), "unknown key 'size'"));
  EXPECT_FALSE(Errors(PackWithAttachments("[pdf]")).empty()) << "a list is not the mapping it must be";
  // A transition may not take an id the attachments' log actions use.
  EXPECT_TRUE(AnyContains(Errors(PackWithAttachments("{types: [pdf]}", "attachment_add")), "log action of attachments"));
}

TEST(RegisterAttachmentsTest, EveryKnownTypeHasAMediaTypeAndBinaryFormatsTheirLeadingBytes) {
  for (const auto& t : AttachmentTypes()) {
    EXPECT_FALSE(t.media_type.empty()) << t.ext;
    EXPECT_EQ(FindAttachmentType(t.ext), &t);
  }
  EXPECT_EQ(FindAttachmentType("pdf")->magic, "%PDF-");
  EXPECT_EQ(FindAttachmentType("png")->media_type, "image/png");
  EXPECT_EQ(FindAttachmentType("exe"), nullptr);
  EXPECT_EQ(FindAttachmentType("html"), nullptr) << "nothing a browser would run is served";
}

TEST(RegisterAttachmentsTest, KobeTakesEvidenceOnIncidentsAndViolationsOnly) {
  auto pack = LoadPackFile(SourcePath("policy/kobe.yaml"));
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  for (const char* id : {"incidents", "violations"}) {
    const RegisterSpec* r = pack->FindRegister(id);
    ASSERT_NE(r, nullptr) << id;
    ASSERT_TRUE(r->attachments.has_value()) << id;
    // A screenshot and a PDF report are the evidence people have; a program is never evidence.
    EXPECT_TRUE(r->attachments->Allows("pdf")) << id;
    EXPECT_TRUE(r->attachments->Allows("png")) << id;
    EXPECT_FALSE(r->attachments->Allows("exe")) << id;
    EXPECT_LE(r->attachments->max_bytes, 8192 * 1024) << id << ": within the server's default upload limit";
  }
  EXPECT_FALSE(pack->FindRegister("emergency_contacts")->attachments.has_value());
  EXPECT_TRUE(LoadPackFile(SourcePath("tests/packs/sample_town.yaml")).ok());
}

}  // namespace
}  // namespace mamori::policy

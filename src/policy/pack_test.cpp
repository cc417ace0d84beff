#include "policy/pack.hpp"

#include <algorithm>
#include <cstdlib>

#include <gtest/gtest.h>

namespace mamori::policy {
namespace {

std::string KobePath() {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  return std::string(src ? src : ".") + "/policy/kobe.yaml";
}

TEST(PackTest, KobePackLoads) {
  auto pack = LoadPackFile(KobePath());
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  EXPECT_EQ(pack->pack, "kobe");
  EXPECT_EQ(pack->auth.password.min_length, 8);
  EXPECT_EQ(pack->auth.lockout.max_failures, 5);
  EXPECT_EQ(pack->auth.mfa.required_for, MfaRequirement::kAll);
  EXPECT_EQ(pack->Cite(pack->auth.lockout.clause), "kobe:8.2.5");
  const RoleDef* im = pack->FindRole("infrastructure_manager");
  ASSERT_NE(im, nullptr);
  EXPECT_TRUE(im->privileged);
  // Every role of DESIGN.md is present.
  for (const char* r : {"ciso", "security_director", "security_manager", "infrastructure_manager",
                        "information_officer", "information_manager", "system_owner", "system_admin",
                        "audit_director", "csirt", "auditor", "staff", "contractor"})
    EXPECT_NE(pack->FindRole(r), nullptr) << r;
}

const char* kMinimal = R"(pack: test
title: t
version: "1"
municipality: テスト市
roles:
  infrastructure_manager: {title: a, scopes: [city], permissions: [users.manage]}
  security_manager: {title: b, scopes: [city]}
authentication:
  password: {clause: "1", min_length: 10}
  lockout: {clause: "2", max_failures: 3, lock_minutes: 1}
  session: {idle_minutes: 5, absolute_hours: 1}
  mfa: {required_for: none}
classification:
  confidentiality: {label: C, levels: [1, 2, 3]}
  integrity: {label: I, levels: [1, 2]}
  availability: {label: A, levels: [1, 2]}
)";

TEST(PackTest, ValuesComeFromThePack) {
  std::vector<PackError> errors;
  auto pack = ParsePack(kMinimal, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(pack->auth.password.min_length, 10);
  EXPECT_EQ(pack->auth.lockout.max_failures, 3);
  EXPECT_EQ(pack->auth.session.idle_minutes, 5);
  EXPECT_EQ(pack->auth.mfa.required_for, MfaRequirement::kNone);
}

TEST(PackTest, BrokenPackNamesLineAndReason) {
  std::string text = kMinimal;
  text.replace(text.find("min_length: 10"), 14, "min_length: -3");
  text += "unknown_section: 1\n";
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 2u);
  // Unknown top-level keys are reported first, then the sections in order.
  EXPECT_EQ(errors[0].line, 17);
  EXPECT_NE(errors[0].message.find("unknown_section"), std::string::npos);
  EXPECT_EQ(errors[1].line, 9);
  EXPECT_NE(errors[1].message.find("min_length"), std::string::npos);
}

TEST(PackTest, UnknownPermissionAndScopeRefused) {
  std::string text = kMinimal;
  text.replace(text.find("permissions: [users.manage]"), 27, "permissions: [users.everything]");
  text.replace(text.find("scopes: [city]}"), 15, "scopes: [planet]}");
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].line, 6);
}

TEST(PackTest, SyntaxErrorHasLine) {
  std::vector<PackError> errors;
  EXPECT_FALSE(ParsePack("pack: a\nroles: [\n  x: y\n", errors));
  ASSERT_FALSE(errors.empty());
  EXPECT_GE(errors[0].line, 2);
}

TEST(PackTest, MissingFileIsAnError) {
  auto r = LoadPackFile("/nonexistent/pack.yaml");
  EXPECT_FALSE(r.ok());
}

TEST(PackTest, ContextWordsAreReadAndAOneByteWordIsRefused) {
  std::string text = kMinimal;
  text.replace(text.find("min_length: 10}"), 15, "min_length: 10, context_words: [tesuto, てすと]}");
  std::vector<PackError> errors;
  auto pack = ParsePack(text, errors);
  ASSERT_TRUE(pack) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(pack->auth.password.context_words, (std::vector<std::string>{"tesuto", "てすと"}));
  text.replace(text.find("tesuto"), 6, "t");
  errors.clear();
  EXPECT_FALSE(ParsePack(text, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("context_words"), std::string::npos);
  // The shipped packs name their city and the system.
  auto kobe = LoadPackFile(KobePath());
  ASSERT_TRUE(kobe.ok());
  const auto& words = kobe->auth.password.context_words;
  for (const char* w : {"kobe", "神戸", "mamori"})
    EXPECT_NE(std::find(words.begin(), words.end(), w), words.end()) << w;
}

}  // namespace
}  // namespace mamori::policy

// The built-in permissions: the loader accepts each constant, refuses anything else, Kobe's
// pack grants each to some role, and the services name them only through the constants.
#include "policy/permissions.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "policy/pack.hpp"

namespace mamori::policy {
namespace {

std::string SourceDir() {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  return src ? src : ".";
}

// A minimal pack with one role granting `permissions` (a YAML flow list's items).
std::string PackGranting(const std::string& permissions) {
  return R"(pack: test
title: t
version: "1"
municipality: テスト市
roles:
  infrastructure_manager: {title: a, scopes: [city], permissions: [users.manage, roles.manage]}
  security_manager: {title: b, scopes: [city]}
  tester: {title: t, scopes: [city], permissions: [)" +
         permissions + R"(]}
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
}

TEST(PermissionsTest, TheListHoldsFifteenDistinctDottedNames) {
  std::set<std::string> seen;
  for (const char* p : kPermissions) {
    const std::string s = p;
    EXPECT_NE(s.find('.'), std::string::npos) << s;
    EXPECT_TRUE(seen.insert(s).second) << s << " listed twice";
  }
  EXPECT_EQ(seen.size(), 15u);
  EXPECT_EQ(seen.count(perm::kUsersManage), 1u);
  EXPECT_EQ(seen.count(perm::kAssetsReadRestricted), 1u);
}

TEST(PermissionsTest, ThePackLoaderAcceptsEveryConstantAsARolesPermission) {
  for (const char* p : kPermissions) {
    std::vector<PackError> errors;
    auto pack = ParsePack(PackGranting(p), errors);
    ASSERT_TRUE(pack) << p << ": " << (errors.empty() ? "" : errors[0].message);
    const RoleDef* tester = pack->FindRole("tester");
    ASSERT_NE(tester, nullptr);
    EXPECT_EQ(tester->permissions, std::vector<std::string>{p});
  }
}

TEST(PermissionsTest, ThePackLoaderRefusesANameThatIsNoPermission) {
  for (const char* wrong : {"users.raed", "users", "USERS.READ", "assets.read_all"}) {
    std::vector<PackError> errors;
    auto pack = ParsePack(PackGranting(wrong), errors);
    EXPECT_FALSE(pack) << wrong;
    ASSERT_FALSE(errors.empty()) << wrong;
    EXPECT_NE(errors[0].message.find("unknown permission"), std::string::npos) << errors[0].message;
  }
}

TEST(PermissionsTest, EveryBuiltInPermissionIsGrantedBySomeRoleOfKobe) {
  auto pack = LoadPackFile(SourceDir() + "/policy/kobe.yaml");
  ASSERT_TRUE(pack.ok()) << pack.error().detail;
  for (const char* p : kPermissions) {
    bool granted = false;
    for (const auto& role : pack->roles)
      for (const auto& held : role.permissions) granted = granted || held == p;
    EXPECT_TRUE(granted) << p << " is checked by mamori but no role of kobe.yaml holds it";
  }
}

// "Services name permissions only through the constants": no quoted permission in the code
// outside this header (a typo there would be a silent deny).
TEST(PermissionsTest, NoSourceFileSpellsAPermissionAsAStringLiteral) {
  int files = 0;
  for (const char* dir : {"/src/domain", "/src/api", "/src/http", "/src/cli"}) {
    for (const auto& entry : std::filesystem::directory_iterator(SourceDir() + dir)) {
      const auto path = entry.path();
      if (path.extension() != ".cpp" && path.extension() != ".hpp") continue;
      if (path.filename().string().find("_test.cpp") != std::string::npos) continue;
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      ++files;
      for (const char* p : kPermissions)
        EXPECT_EQ(text.str().find(std::string("\"") + p + "\""), std::string::npos)
            << path << " spells \"" << p << "\"; use policy::perm";
    }
  }
  EXPECT_GT(files, 20) << "the source tree was not found under " << SourceDir();
}

}  // namespace
}  // namespace mamori::policy

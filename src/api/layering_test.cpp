// "Handlers are thin": nothing at the HTTP edge (api/, http/) reaches the database itself — no
// SQL text, no repository, no connection; each goes through a service (DESIGN.md architecture).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace mamori::api {
namespace {

TEST(LayeringTest, NoHandlerOrServerFileHoldsSqlOrReachesStorageDirectly) {
  const char* src = std::getenv("MAMORI_SOURCE_DIR");
  const std::string root = src ? src : ".";
  int files = 0;
  for (const char* dir : {"/src/api", "/src/http"}) {
    for (const auto& entry : std::filesystem::directory_iterator(root + dir)) {
      const auto path = entry.path();
      if (path.extension() != ".cpp" && path.extension() != ".hpp") continue;
      if (path.filename().string().find("_test.cpp") != std::string::npos) continue;
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      ++files;
      for (const char* banned : {"SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "storage::Connection", "Repo(c",
                                 "Repo(conn", "env.db.", "QueryInt(", "Execute("})
        EXPECT_EQ(text.str().find(banned), std::string::npos) << path << " contains \"" << banned << "\"";
    }
  }
  EXPECT_GT(files, 10) << "the source tree was not found under " << root;
}

}  // namespace
}  // namespace mamori::api

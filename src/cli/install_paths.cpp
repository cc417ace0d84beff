#include "cli/install_paths.hpp"

#include <filesystem>

// The path from the install's bin directory to its share/mamori (GNUInstallDirs), set by
// src/cli/CMakeLists.txt; relative, so it names no directory of the machine that built it.
#ifndef MAMORI_BIN_TO_SHARE
#define MAMORI_BIN_TO_SHARE "../share/mamori"
#endif

namespace mamori::cli {
namespace fs = std::filesystem;

std::vector<std::string> ShareDirCandidates(const std::string& exe) {
  const fs::path dir = fs::path(exe).parent_path();
  return {(dir / MAMORI_BIN_TO_SHARE).lexically_normal().string(), (dir / "share/mamori").lexically_normal().string()};
}

std::string ShareDirFor(const std::string& exe) {
  const auto candidates = ShareDirCandidates(exe);
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return c;
  }
  return candidates.front();
}

std::string ShareDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = fs::current_path(ec) / "mamori";  // no /proc: look beside the working directory
  return ShareDirFor(exe.string());
}

std::string DefaultWebDir() { return ShareDir() + "/web"; }

}  // namespace mamori::cli

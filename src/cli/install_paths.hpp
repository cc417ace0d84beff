// Where the files mamori ships with are found: from the executable's own location, so that no
// source or build path is compiled into the binary and an installed copy runs anywhere.
#pragma once

#include <string>
#include <vector>

namespace mamori::cli {

// The directories that may hold the shared files (web/, policy/), best first, for an executable
// at `exe`:
//   1. EXE_DIR/<bin-to-share>: the installed layout, PREFIX/bin/mamori → PREFIX/share/mamori
//      (the relative path comes from CMake's install directories);
//   2. EXE_DIR/share/mamori: the build tree, where CMake links web/ to the source tree's
//      web/dist and policy/ to its policy/, so build/mamori works as an installed copy would.
std::vector<std::string> ShareDirCandidates(const std::string& exe);
// The first candidate that is a directory, or the first candidate when none is (so that the
// error a caller reports names where an installed copy looks).
std::string ShareDirFor(const std::string& exe);
// ShareDirFor(/proc/self/exe, resolved).
std::string ShareDir();

// ShareDir()/web: the built front end `serve` serves unless given --web.
std::string DefaultWebDir();

}  // namespace mamori::cli

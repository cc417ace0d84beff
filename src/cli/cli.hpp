// The mamori command line: init, serve, demo, log verify, policy check.
#pragma once

namespace mamori::cli {

int Main(int argc, char** argv);

}  // namespace mamori::cli

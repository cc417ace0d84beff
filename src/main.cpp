// mamori: wiring only; everything happens in cli/.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return mamori::cli::Main(argc, argv); }

// Sealed-field reads against plain reads (docs/sealing.md; issue 8 part 5): the same register of
// 機密性3 assets once with the Kobe pack's sealing and once with sealing switched off, read
// through AssetService (single gets and list pages of 50) on SQLite in the same run, and the raw
// cost of opening one sealed field. Prints each figure and the sealed/plain ratio.
//
//   build/bench/seal_bench [ASSETS]   (default 20000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include "common/crypto.hpp"
#include "domain/asset_service.hpp"
#include "domain/test_env.hpp"

namespace mamori {
namespace {

using Steady = std::chrono::steady_clock;

double Seconds(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

struct Figures {
  double gets_per_s = 0;
  double pages_per_s = 0;
};

Figures Run(bool sealed, int n) {
  policy::PolicyPack pack = domain::testing::KobePack();
  if (!sealed) pack.sealing.rules.clear();
  policy::RoleDef role;
  role.id = role.title = role.title_en = "b_reader";
  role.scopes = {"city"};
  role.permissions = {"assets.read", "assets.read_restricted", "assets.manage"};
  pack.roles.push_back(role);
  domain::testing::TestEnv t(pack);
  domain::Actor a;
  a.user_id = "bench";
  a.login_id = "bench";
  a.roles.push_back({"r", "bench", "b_reader", "city", "", "", "", "", 1, "t", 0, ""});
  domain::AssetService assets(*t.env);
  std::vector<std::string> ids;
  auto st = t.tdb.db()->Write([&](storage::Connection& c) -> Status {
    storage::AssetRepo repo(c);
    for (int i = 0; i < n; ++i) {
      storage::AssetRecord r{.id = domain::NewId(), .name = "住民情報ファイル" + std::to_string(i),
                             .kind = "electronic_data", .owner_org_unit_id = t.section_a, .confidentiality = 3,
                             .integrity = 2, .availability = 2, .handling = {"持出禁止", "複製禁止"},
                             .location = "本庁舎3階 サーバ室 ラック" + std::to_string(i % 40), .system_id = "", .state = "in_use",
                             .created_by = "bench", .created_at = 1, .updated_at = 1, .version = 1};
      MAMORI_ASSIGN(auto stored, assets.ToStored(r));
      MAMORI_TRY(repo.Insert(stored));
      ids.push_back(r.id);
    }
    return Ok();
  });
  if (!st.ok()) {
    std::cerr << "setup: " << st.error().detail << "\n";
    std::exit(1);
  }
  std::mt19937 rng(7);
  std::shuffle(ids.begin(), ids.end(), rng);
  Figures f;
  const int gets = std::min(n, 20000);
  auto t0 = Steady::now();
  for (int i = 0; i < gets; ++i) {
    auto r = assets.Get(a, ids[static_cast<size_t>(i)]);
    if (!r.ok() || crypto::IsSealed(r->name)) std::exit(1);
  }
  f.gets_per_s = gets / Seconds(t0);
  const int pages = std::max(1, n / 50);
  t0 = Steady::now();
  for (int p = 1; p <= pages; ++p) {
    domain::AssetQuery q;
    q.page = {p, 50};
    auto r = assets.List(a, q);
    if (!r.ok() || r->items.size() != 50) std::exit(1);
  }
  f.pages_per_s = pages / Seconds(t0);
  return f;
}

}  // namespace
}  // namespace mamori

int main(int argc, char** argv) {
  using namespace mamori;
  if (!std::getenv("MAMORI_SOURCE_DIR")) setenv("MAMORI_SOURCE_DIR", MAMORI_SOURCE_DIR, 1);
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::cout << "[sealing] " << n << " 機密性3 assets on SQLite, read through AssetService\n";
  // The primitive: opening one sealed field (AES-256-GCM, 30 bytes of Japanese text).
  auto sealer = domain::Sealer::WithKey(crypto::RandomBytes(32));
  const std::string sealed = *sealer->Seal("住民情報ファイル12345", "asset:x:name");
  const int opens = 200000;
  auto t0 = Steady::now();
  for (int i = 0; i < opens; ++i)
    if (!sealer->Open(sealed, "asset:x:name").ok()) return 1;
  const double open_us = Seconds(t0) / opens * 1e6;
  const Figures plain = Run(false, n);
  const Figures seal = Run(true, n);
  std::printf("  open one sealed field        %8.2f µs\n", open_us);
  std::printf("  get by id    plain %9.0f/s  sealed %9.0f/s  sealed/plain %.2f\n", plain.gets_per_s, seal.gets_per_s,
              seal.gets_per_s / plain.gets_per_s);
  std::printf("  list page 50 plain %9.0f/s  sealed %9.0f/s  sealed/plain %.2f\n", plain.pages_per_s,
              seal.pages_per_s, seal.pages_per_s / plain.pages_per_s);
  return 0;
}

// The generic register at scale (issue 9: "the list page of 50 among 1,000,000 records of a
// generic register stays under 20 ms"): a lending-book-like table of N records (default
// 1,000,000) is filled through storage::RegisterRepo on each engine, then the list's first page
// of 50 with its total (List + Count, as the register service answers a list) is timed for the
// views a city has of it: city-wide, a few sections (an IN over their units), a bureau, a state,
// and more. Each figure is the median of 15 runs, printed beside the 20 ms limit with the ratio
// value / limit. Benchmarks inform: this program exits 0 whatever the figures.
//
//   build/bench/register_bench [--rows N] [--engines sqlite,postgres] [--pg URL] [--keep DIR]
//
// --keep DIR: the SQLite database is written to DIR/register_bench.db and left there; on
// PostgreSQL the records go to the schema register_bench, left there too.
// PostgreSQL: --pg, else MAMORI_TEST_PG_URL; the records go to a private schema dropped at the end.
// The table is ANALYZEd after the fill on PostgreSQL (autovacuum does the same within a minute of
// such a load); SQLite is measured as the server runs it, without ANALYZE.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "storage/migrations.hpp"
#include "storage/register_repo.hpp"
#include "storage/test_db.hpp"

namespace mamori {
namespace {

using Steady = std::chrono::steady_clock;
using storage::ColumnType;
using storage::RegisterFilter;
using storage::RegisterRecord;

constexpr double kLimitMs = 20.0;  // DESIGN.md and issue 9
constexpr int kRuns = 15;

double Seconds(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

storage::TableSpec BenchSpec() {
  return {.name = "reg_bench_lending",
          .columns = {{.name = "device", .type = ColumnType::kText},
                      {.name = "owner_org_unit_id", .type = ColumnType::kText, .indexed = true, .counted = true},
                      {.name = "system_id", .type = ColumnType::kText, .indexed = true, .counted = true},
                      {.name = "kind", .type = ColumnType::kText, .indexed = true, .counted = true},
                      {.name = "borrower", .type = ColumnType::kText, .indexed = true},
                      {.name = "due_on", .type = ColumnType::kText},
                      {.name = "note", .type = ColumnType::kText},
                      {.name = "qty", .type = ColumnType::kInt},
                      {.name = "spare", .type = ColumnType::kBool}}};
}

// 10 bureaus of 20 sections: section j of bureau b is "s<b>_<j>".
std::string Section(int b, int j) { return "s" + std::to_string(b) + "_" + std::to_string(j); }

struct Line {
  std::string name;
  double ms = NAN;
  int64_t total = -1;
};

template <typename Fn>
double MedianMillis(Fn fn) {
  std::vector<double> t;
  for (int i = 0; i < kRuns; ++i) {
    const auto t0 = Steady::now();
    fn();
    t.push_back(Seconds(t0) * 1000);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

bool Fill(storage::Database& db, const storage::TableSpec& spec, int64_t rows) {
  std::mt19937_64 rng(42);
  const char* kinds[] = {"laptop", "tablet", "phone"};
  const std::string note = "庁内貸出用の端末。持出時は暗号化と画面ロックを確認すること。";
  const int64_t base = 1'700'000'000'000'000;  // µs
  const auto t0 = Steady::now();
  constexpr int64_t kBatch = 10'000;
  for (int64_t start = 0; start < rows; start += kBatch) {
    auto st = db.Write([&](storage::Connection& c) -> Status {
      storage::RegisterRepo repo(c, spec);
      for (int64_t i = start; i < std::min(rows, start + kBatch); ++i) {
        const int b = static_cast<int>(rng() % 10), j = static_cast<int>(rng() % 20);
        const std::string owner = Section(b, j);
        const int roll = static_cast<int>(rng() % 10);
        const std::string state = roll < 6 ? "available" : roll < 9 ? "lent" : "retired";
        RegisterRecord r{.id = crypto::HexEncode(crypto::RandomBytes(16)),
                         .state = state,
                         .creator_org_unit_id = rng() % 5 ? owner : Section(static_cast<int>(rng() % 10), 0),
                         .created_by = "user" + std::to_string(rng() % 5000),
                         .created_at = base + i * 1000,
                         .updated_at = base + i * 1000,
                         .values = {{"device", "PC-" + std::to_string(1'000'000 + i)},
                                    {"owner_org_unit_id", owner},
                                    {"kind", kinds[rng() % 3]},
                                    {"note", note},
                                    {"qty", static_cast<int64_t>(rng() % 4 + 1)},
                                    {"spare", static_cast<int64_t>(rng() % 2)}}};
        // A fifth belong to one of the owner section's three systems.
        if (rng() % 5 == 0) r.values["system_id"] = "sys_" + owner + "_" + std::to_string(rng() % 3);
        if (state == "lent") {
          r.values["borrower"] = "user" + std::to_string(rng() % 5000);
          r.values["due_on"] = "2026-12-" + std::to_string(10 + rng() % 19);
          r.deadline_at = base + i * 1000 + 14LL * 86'400'000'000;
        }
        MAMORI_TRY(repo.Insert(r));
      }
      return Ok();
    });
    if (!st.ok()) {
      std::cerr << "fill: " << st.error().detail << "\n";
      return false;
    }
    if ((start / kBatch) % 20 == 19)
      std::cout << "  " << (start + kBatch) << " records, " << static_cast<int64_t>((start + kBatch) / Seconds(t0))
                << "/s" << std::endl;
  }
  std::cout << "  filled " << rows << " records in " << Seconds(t0) << " s ("
            << static_cast<int64_t>(static_cast<double>(rows) / Seconds(t0)) << " records/s, RegisterRepo::Insert, "
            << kBatch << " per transaction)" << std::endl;
  return true;
}

void RunEngine(const std::string& engine, int64_t rows, const std::string& keep) {
  std::cout << "\n[" << engine << "] " << rows << " records" << std::endl;
  // SQLite with --keep: a database file left in that directory (to look at plans with sqlite3).
  std::unique_ptr<storage::Database> kept;
  std::unique_ptr<storage::TestDatabase> tdb;
  if (engine == "sqlite" && !keep.empty()) {
    const std::string path = keep + "/register_bench.db";
    std::remove(path.c_str());
    auto opened = storage::Database::Open("sqlite:" + path);
    if (opened.ok() && storage::Migrate(**opened).ok()) kept = std::move(opened).value();
    std::cout << "  database kept at " << path << std::endl;
  } else if (engine == "postgres" && !keep.empty() && std::getenv("MAMORI_TEST_PG_URL")) {
    // PostgreSQL with --keep: the schema register_bench, left in place (EXPLAIN with psql).
    const std::string base = std::getenv("MAMORI_TEST_PG_URL");
    if (auto admin = storage::Database::Open(base, 1); admin.ok()) {
      (void)(*admin)->Read([](storage::Connection& c) {
        return c.ExecScript("DROP SCHEMA IF EXISTS register_bench CASCADE; CREATE SCHEMA register_bench");
      });
    }
    auto opened = storage::Database::Open(
        base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3Dregister_bench");
    if (opened.ok() && storage::Migrate(**opened).ok()) kept = std::move(opened).value();
    std::cout << "  schema register_bench kept" << std::endl;
  } else {
    tdb = std::make_unique<storage::TestDatabase>(engine);
  }
  storage::Database* dbp = kept ? kept.get() : tdb ? tdb->db() : nullptr;
  if (!dbp) {
    std::cout << "  SKIP: no " << engine << " database (set MAMORI_TEST_PG_URL or --pg)\n";
    return;
  }
  storage::Database& db = *dbp;
  const storage::TableSpec spec = BenchSpec();
  if (auto st = db.Write([&](storage::Connection& c) { return storage::EnsureTable(c, spec); }); !st.ok()) {
    std::cerr << "ensure: " << st.error().detail << "\n";
    return;
  }
  if (!Fill(db, spec, rows)) return;
  if (engine == "postgres") {
    const auto t0 = Steady::now();
    auto st = db.Read([&](storage::Connection& c) { return c.ExecScript("VACUUM ANALYZE reg_bench_lending"); });
    std::cout << "  VACUUM ANALYZE: " << (st.ok() ? "" : st.error().detail) << Seconds(t0) << " s" << std::endl;
  }

  const std::string owner = "owner_org_unit_id";
  std::vector<std::string> bureau{"b3"};
  for (int j = 0; j < 20; ++j) bureau.push_back(Section(3, j));
  struct View {
    std::string name;
    RegisterFilter f;
    storage::Page page{};
  };
  const std::vector<View> views = {
      {"city-wide, page 1", {}},
      {"3 sections (IN over 3 units), page 1",
       {.restrict = true, .org_unit_col = owner, .org_unit_ids = {Section(1, 1), Section(2, 2), Section(3, 3)}}},
      {"3 sections or their creators (OR, 2 indexes), page 1",
       {.restrict = true,
        .org_unit_col = owner,
        .org_unit_ids = {Section(1, 1), Section(2, 2), Section(3, 3)},
        .creator_unit_ids = {Section(1, 1), Section(2, 2), Section(3, 3)}}},
      {"a bureau (IN over 21 units), page 1", {.restrict = true, .org_unit_col = owner, .org_unit_ids = bureau}},
      {"1 section + 2 systems (scope OR), page 1",
       {.restrict = true,
        .org_unit_col = owner,
        .org_unit_ids = {Section(4, 4)},
        .system_col = "system_id",
        .system_ids = {"sys_" + Section(5, 5) + "_0", "sys_" + Section(6, 6) + "_1"}}},
      {"state = lent, city-wide, page 1", {.state = "lent"}},
      {"state = lent, 3 sections, page 1",
       {.restrict = true,
        .org_unit_col = owner,
        .org_unit_ids = {Section(1, 1), Section(2, 2), Section(3, 3)},
        .state = "lent"}},
      {"borrower = user123 (indexed, not counted), page 1", {.eq = {{"borrower", "user123"}}}},
      {"kind = tablet (counted), page 1", {.eq = {{"kind", "tablet"}}}},
      {"kind = tablet, 3 sections, page 1",
       {.restrict = true,
        .org_unit_col = owner,
        .org_unit_ids = {Section(1, 1), Section(2, 2), Section(3, 3)},
        .eq = {{"kind", "tablet"}}}},
      {"q = \"pc-10012\" (substring scan), page 1", {.q_cols = {"device"}, .q = "pc-10012"}},
      {"city-wide, page 200", {}, {.page = 200, .per_page = 50}},
  };
  std::vector<Line> lines;
  for (const View& v : views) {
    Line line{.name = v.name};
    int64_t shown = 0;
    bool failed = false;
    line.ms = MedianMillis([&] {
      auto st = db.Read([&](storage::Connection& c) -> Status {
        storage::RegisterRepo repo(c, spec);
        MAMORI_ASSIGN(auto page, repo.List(v.f, v.page));
        MAMORI_ASSIGN(line.total, repo.Count(v.f));
        shown = static_cast<int64_t>(page.size());
        return Ok();
      });
      if (!st.ok()) failed = true;
    });
    if (failed) line.ms = NAN;
    std::cout << "  " << v.name << ": " << line.ms << " ms (" << shown << " shown of " << line.total << ")"
              << std::endl;
    lines.push_back(line);
  }

  std::printf("\n=== register list page of 50 with its total, %s, %lld records (median of %d) ===\n",
              engine.c_str(), static_cast<long long>(rows), kRuns);
  const char* fmt = "%-54s %10s %10s %9s %7s  %s\n";
  std::printf(fmt, "view", "value", "limit", "total", "ratio", "result");
  for (const Line& l : lines) {
    char value[32] = "-", ratio[32] = "-";
    if (std::isfinite(l.ms)) {
      std::snprintf(value, sizeof value, "%.2f ms", l.ms);
      std::snprintf(ratio, sizeof ratio, "%.2f", l.ms / kLimitMs);
    }
    std::printf(fmt, l.name.c_str(), value, "20 ms", std::to_string(l.total).c_str(), ratio,
                !std::isfinite(l.ms) ? "SKIP" : l.ms <= kLimitMs ? "PASS" : "ABOVE");
  }
  std::printf("ratio = value / limit (lower is better; <= 1.00 passes).\n");
}

}  // namespace
}  // namespace mamori

int main(int argc, char** argv) {
  int64_t rows = 1'000'000;
  std::string keep;
  std::vector<std::string> engines{"sqlite", "postgres"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--rows") {
      rows = std::max<int64_t>(1000, std::atoll(next().c_str()));
    } else if (a == "--engines") {
      engines.clear();
      std::string list = next();
      for (size_t p = 0; p <= list.size();) {
        const size_t q = std::min(list.find(',', p), list.size());
        if (q > p) engines.push_back(list.substr(p, q - p));
        p = q + 1;
      }
    } else if (a == "--keep") {
      keep = next();
    } else if (a == "--pg") {
      setenv("MAMORI_TEST_PG_URL", next().c_str(), 1);
    } else {
      std::cout << "usage: register_bench [--rows N] [--engines sqlite,postgres] [--pg URL] [--keep DIR]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  for (const std::string& e : engines) mamori::RunEngine(e, rows, keep);
  return 0;
}

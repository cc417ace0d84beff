// Fills an initialised data directory for the backup figures (bench/backup_bench.sh): N assets
// of the city, each with its asset.create entry in the operation log, written through the real
// repositories and OperationLog::Append with the directory's own signing key, so the chain and
// its signed checkpoints verify exactly as a server's would. 5,000 assets per transaction.
//
// usage: mamori_backup_gen --data DIR [--assets N] [--log N] [--db URL]
//   --log N   operation-log entries to add (default = --assets); beyond the assets they are
//             asset.update entries of the last asset.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "audit/operation_log.hpp"
#include "common/crypto.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "storage/db.hpp"
#include "storage/repos.hpp"

using namespace mamori;

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Die(const std::string& what) {
  std::cerr << "mamori_backup_gen: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data, db_url;
  int64_t assets = 1000000, log = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--data") data = v;
    else if (a == "--assets") assets = std::atoll(v.c_str());
    else if (a == "--log") log = std::atoll(v.c_str());
    else if (a == "--db") db_url = v;
    else return Die("unknown argument " + a);
  }
  if (data.empty()) return Die("usage: mamori_backup_gen --data DIR [--assets N] [--log N] [--db URL]");
  if (log < 0) log = assets;
  auto cfg = config::Load(data);
  if (!cfg.ok()) return Die(cfg.error().detail);
  if (!db_url.empty()) cfg->db_url = db_url;
  audit::SigningKey key{"", Slurp(cfg->KeyDir() + "/log_signing.pem"), Slurp(cfg->KeyDir() + "/log_signing.pub.pem")};
  key.key_id = audit::KeyIdOf(key.public_pem);
  auto db = storage::Database::Open(cfg->db_url, 2);
  if (!db.ok()) return Die(db.error().detail);
  audit::OperationLog oplog(SystemClock::Instance(), key, cfg->checkpoint_every, cfg->checkpoint_interval_seconds);
  std::string city;
  auto st = (*db)->Read([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto unit, storage::OrgRepo(c).FindByCode("city"));
    if (!unit) return Error::NotFound("city");
    city = unit->id;
    return Ok();
  });
  if (!st.ok()) return Die("no city org unit (run mamori init first): " + st.error().detail);

  const auto t0 = std::chrono::steady_clock::now();
  const int64_t total = std::max(assets, log);
  std::string last_id;
  for (int64_t done = 0; done < total;) {
    const int64_t n = std::min<int64_t>(5000, total - done);
    st = (*db)->Write([&](storage::Connection& c) -> Status {
      storage::AssetRepo repo(c);
      for (int64_t k = done; k < done + n; ++k) {
        const int64_t now = SystemClock::Instance().NowMicros();
        audit::Event e;
        e.actor = "system";
        e.actor_login = "bench";
        if (k < assets) {
          storage::AssetRecord r{.id = crypto::HexEncode(crypto::RandomBytes(16)),
                                 .name = "ベンチ資産" + std::to_string(k),
                                 .kind = "electronic_data",
                                 .owner_org_unit_id = city,
                                 .confidentiality = 1 + k % 3,
                                 .integrity = 1 + k % 2,
                                 .availability = 1 + k % 2,
                                 .handling = {"複製禁止"},
                                 .location = "書庫",
                                 .system_id = "",
                                 .state = "in_use",
                                 .created_by = "bench",
                                 .created_at = now,
                                 .updated_at = now,
                                 .version = 1};
          MAMORI_TRY(repo.Insert(r));
          last_id = r.id;
          e.action = "asset.create";
          e.target = "asset:" + r.id;
          e.detail = {{"name", r.name}, {"confidentiality", r.confidentiality}};
        } else {
          e.action = "asset.update";
          e.target = "asset:" + last_id;
          e.detail = {{"n", k}};
        }
        if (k < log) MAMORI_TRY(oplog.Record(c, e));
      }
      return Ok();
    });
    if (!st.ok()) return Die(st.error().detail);
    done += n;
    if (done % 100000 == 0) std::cerr << "  " << done << " / " << total << "\n";
  }
  st = (*db)->Write([&](storage::Connection& c) { return oplog.Checkpoint(c); });
  if (!st.ok()) return Die(st.error().detail);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "generated " << assets << " assets and " << log << " log entries in " << s << " s\n";
  return 0;
}

// Managing the sealing keys (docs/sealing.md): the ring's first data key (fresh, or the raw
// keys/data.key of a directory made before sealing), adding a new current data key, re-wrapping
// every data key under another master key, and the re-seal pass. Each change writes its
// operation-log entry (keys.*) in its own transaction, attributed to "system" (the CLI).
#pragma once

#include <string>
#include <vector>

#include "domain/env.hpp"
#include "storage/key_repo.hpp"

namespace mamori::domain {

struct ResealReport {
  int64_t assets_checked = 0;
  int64_t assets_rewritten = 0;  // sealed, unsealed or moved to the current key
  int64_t requests_checked = 0;
  int64_t requests_rewritten = 0;  // forms whose personal data fields were (re)sealed or opened
  int64_t secrets_rewritten = 0;  // TOTP secrets moved to the current key
  std::string key_id;             // the current key everything now is sealed with
};

class KeyService {
 public:
  explicit KeyService(Env& env) : env_(env) {}

  // Loads the ring into env.sealer. When the database holds no data key yet, makes the first:
  // `legacy_key` (the 32 raw bytes of an old keys/data.key) when given — re-sealing every TOTP
  // secret it sealed, logged keys.upgrade — else a fresh one, logged keys.create. Two nodes
  // starting at once make one key: the check and the insert share the write lock.
  Status Open(const std::string& legacy_key = "");
  // A new data key, wrapped by the master and current from now on; older keys stay for what
  // they sealed. Other nodes take it up when they meet a value sealed with it. Returns its id.
  Result<std::string> RotateData();
  // Re-wraps every data key under `next` in one transaction (all or none); the unwrapped keys do
  // not change, so running servers go on unharmed. Returns how many keys were re-wrapped.
  Result<int64_t> RotateMaster(const crypto::MasterKey& next);
  // Rewrites every sealed value under the current key and the pack's present rules (an asset
  // that became restricted is sealed, one no longer restricted opened), `batch` assets a
  // transaction, each batch with its keys.reseal entry. Versions do not change.
  Result<ResealReport> Reseal(int64_t batch = 500);
  Result<std::vector<storage::DataKeyRecord>> Keys();

 private:
  Result<storage::DataKeyRecord> NewKey(const std::string& key32) const;
  Env& env_;
};

}  // namespace mamori::domain

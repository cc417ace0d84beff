// Storage of sealing (docs/sealing.md): the wrapped data keys, and the rows a re-seal pass
// rewrites (the sealed text of assets and users' TOTP secrets) without touching anything else.
#pragma once

#include <string>
#include <vector>

#include "storage/db.hpp"
#include "storage/records.hpp"

namespace mamori::storage {

struct DataKeyRecord {
  std::string id{};
  std::string wrapped{};    // as the master key wrapped it (base64, or the KMS's answer)
  std::string master_id{};  // which master key wrapped it (crypto::MasterKey::id())
  int64_t created_at = 0;
  int64_t seq = 0;        // the highest is the current key
};

class DataKeyRepo {
 public:
  explicit DataKeyRepo(Connection& c) : c_(c) {}
  // All keys, oldest first.
  Result<std::vector<DataKeyRecord>> List();
  // Inserted with seq one above the highest; returns that seq.
  Result<int64_t> Insert(const DataKeyRecord& k);
  // Replaces a key's wrapping (master key rotation); not_found when the id is unknown.
  Status Rewrap(const std::string& id, const std::string& wrapped, const std::string& master_id);

 private:
  Connection& c_;
};

// A user's sealed TOTP values (either may be "").
struct UserSecrets {
  std::string id{};
  std::string totp_secret{};
  std::string totp_pending{};
};

// A request's form and completion record as stored (JSON objects' text).
struct RequestForms {
  std::string id{};
  std::string fields{};
  std::string completion{};
};

class SealedRowRepo {
 public:
  explicit SealedRowRepo(Connection& c) : c_(c) {}
  // Up to `limit` asset ids after `after_id`, in id order (keyset paging over the register).
  Result<std::vector<std::string>> AssetIdsAfter(const std::string& after_id, int64_t limit);
  // Writes only the asset's descriptive text (name, location, handling JSON): no version bump,
  // so a re-seal never makes an editor's copy stale.
  Status SetAssetText(const AssetRecord& a);
  // Users holding a TOTP secret or a pending one.
  Result<std::vector<UserSecrets>> UserSecretsAll();
  Status SetUserSecrets(const UserSecrets& u);
  // Up to `limit` requests after `after_id`, in id order, with their forms.
  Result<std::vector<RequestForms>> RequestFormsAfter(const std::string& after_id, int64_t limit);
  // Writes only the form and completion text: no version bump.
  Status SetRequestForms(const RequestForms& r);

 private:
  Connection& c_;
};

}  // namespace mamori::storage

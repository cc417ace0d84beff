// Sealed fields at rest (docs/sealing.md): the data key ring the services seal with, and the
// generic codec that seals the fields the policy pack's `sealing:` section names. Any record
// kind uses the same codec — assets (asset_service), request forms (request_service), register
// records (register_service) — with the value bound to its place ("<kind>:<id>:<field>") so a sealed
// value copied to another row or field no longer opens.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/keyring.hpp"
#include "policy/pack.hpp"
#include "storage/db.hpp"

namespace mamori::domain {

class Sealer {
 public:
  // `master` unwraps the stored data keys (Load); it may be null for a ring filled by hand.
  explicit Sealer(std::shared_ptr<const crypto::MasterKey> master = nullptr) : master_(std::move(master)) {}
  // A sealer holding one data key, for tests and benches.
  static std::shared_ptr<Sealer> WithKey(std::string key32, const std::string& id = "k0");

  // Unwraps every data key the database holds; the newest becomes current. A key the master
  // cannot unwrap fails the whole load (the wrong master key is refused, not half-used).
  Status Load(storage::Connection& c);
  // Lets Open fetch keys added after Load (another node's `mamori keys rotate-data`); the
  // newest of them becomes current here too.
  void ReloadFrom(storage::Database* db) { db_ = db; }

  // Seals under the current data key.
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  // Opens a sealed value; a value that is not sealed is answered as it is (a field sealed only
  // for some records, or written before its pack sealed it). Anything altered, moved or
  // sealed under a key the ring does not hold is an internal error: never shown as plain.
  Result<std::string> Open(std::string_view text, std::string_view aad) const;

  crypto::KeyRing& ring() { return ring_; }
  const crypto::KeyRing& ring() const { return ring_; }
  const std::shared_ptr<const crypto::MasterKey>& master() const { return master_; }

 private:
  Status Reload() const;
  std::shared_ptr<const crypto::MasterKey> master_;
  storage::Database* db_ = nullptr;
  mutable crypto::KeyRing ring_;
};

// Where a sealed field lives: "<kind>:<id>:<field>", the associated data of its sealing.
std::string FieldPlace(std::string_view kind, std::string_view id, std::string_view field);

// A user's TOTP secret (sealed always, whatever the pack says): its place, and opening it —
// a stored value that is not sealed is refused (an old directory not yet upgraded).
std::string TotpPlace(std::string_view user_id);
Result<std::string> OpenTotp(const Sealer& s, std::string_view stored, std::string_view user_id);

// The generic codec over a JSON object of fields (a request's form, an incident's report):
// SealFields seals each non-empty string value whose key the pack's rule for `kind` names;
// OpenFields opens every sealed string value, so it also reads what an earlier pack sealed.
Status SealFields(const Sealer& s, const policy::PolicyPack& pack, std::string_view kind, std::string_view id,
                  nlohmann::json& fields);
Status OpenFields(const Sealer& s, std::string_view kind, std::string_view id, nlohmann::json& fields);
// The same over a stored JSON object's text (a column holding a form). Text without a sealed
// value is left byte for byte as it is.
Status SealFieldsText(const Sealer& s, const policy::PolicyPack& pack, std::string_view kind, std::string_view id,
                      std::string& json_text);
Status OpenFieldsText(const Sealer& s, std::string_view kind, std::string_view id, std::string& json_text);

}  // namespace mamori::domain

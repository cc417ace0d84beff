#include "domain/sealer.hpp"

#include "storage/key_repo.hpp"

namespace mamori::domain {

std::shared_ptr<Sealer> Sealer::WithKey(std::string key32, const std::string& id) {
  auto s = std::make_shared<Sealer>();
  (void)s->ring_.Add(id, std::move(key32), true);
  return s;
}

Status Sealer::Load(storage::Connection& c) {
  if (!master_) return Error::Internal("no master key to unwrap the data keys with");
  MAMORI_ASSIGN(auto keys, storage::DataKeyRepo(c).List());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (ring_.Has(keys[i].id) && i + 1 < keys.size()) continue;
    MAMORI_ASSIGN(std::string key, master_->Unwrap(keys[i].id, keys[i].wrapped));
    MAMORI_TRY(ring_.Add(keys[i].id, std::move(key), i + 1 == keys.size()));
  }
  return Ok();
}

Status Sealer::Reload() const {
  if (!db_ || !master_) return Error::Internal("data key not in the ring");
  MAMORI_ASSIGN(auto conn, db_->Acquire());
  return const_cast<Sealer*>(this)->Load(*conn);
}

Result<std::string> Sealer::Seal(std::string_view plaintext, std::string_view aad) const {
  return ring_.Seal(plaintext, aad);
}

Result<std::string> Sealer::Open(std::string_view text, std::string_view aad) const {
  if (!crypto::IsSealed(text)) return std::string(text);
  auto r = ring_.Open(text, aad);
  if (r.ok() || r.error().code != ErrorCode::kNotFound) return r;
  MAMORI_TRY(Reload());
  return ring_.Open(text, aad);
}

std::string FieldPlace(std::string_view kind, std::string_view id, std::string_view field) {
  std::string out(kind);
  out += ':';
  out += id;
  out += ':';
  out += field;
  return out;
}

std::string TotpPlace(std::string_view user_id) { return "totp:" + std::string(user_id); }

Result<std::string> OpenTotp(const Sealer& s, std::string_view stored, std::string_view user_id) {
  if (!crypto::IsSealed(stored)) return Error::Internal("TOTP secret is not sealed under the data key ring");
  return s.Open(stored, TotpPlace(user_id));
}

Status SealFields(const Sealer& s, const policy::PolicyPack& pack, std::string_view kind, std::string_view id,
                  nlohmann::json& fields) {
  const policy::SealingRule* rule = pack.sealing.Find(std::string(kind));
  if (!rule || !fields.is_object()) return Ok();
  for (const auto& f : rule->fields) {
    auto it = fields.find(f);
    if (it == fields.end() || !it->is_string()) continue;
    const std::string& v = it->get_ref<const std::string&>();
    if (v.empty() || crypto::IsSealed(v)) continue;
    MAMORI_ASSIGN(std::string sealed, s.Seal(v, FieldPlace(kind, id, f)));
    *it = std::move(sealed);
  }
  return Ok();
}

Status OpenFields(const Sealer& s, std::string_view kind, std::string_view id, nlohmann::json& fields) {
  if (!fields.is_object()) return Ok();
  for (auto& [key, value] : fields.items()) {
    if (!value.is_string() || !crypto::IsSealed(value.get_ref<const std::string&>())) continue;
    MAMORI_ASSIGN(std::string plain, s.Open(value.get_ref<const std::string&>(), FieldPlace(kind, id, key)));
    value = std::move(plain);
  }
  return Ok();
}

Status SealFieldsText(const Sealer& s, const policy::PolicyPack& pack, std::string_view kind, std::string_view id,
                      std::string& json_text) {
  if (!pack.sealing.Find(std::string(kind))) return Ok();
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Ok();
  MAMORI_TRY(SealFields(s, pack, kind, id, j));
  json_text = j.dump();
  return Ok();
}

Status OpenFieldsText(const Sealer& s, std::string_view kind, std::string_view id, std::string& json_text) {
  // nlohmann::json writes the unit separator that starts every sealed value as \u001f.
  if (json_text.find("\\u001f") == std::string::npos) return Ok();
  nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Ok();
  MAMORI_TRY(OpenFields(s, kind, id, j));
  json_text = j.dump();
  return Ok();
}

}  // namespace mamori::domain

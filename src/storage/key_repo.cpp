#include "storage/key_repo.hpp"

#include <nlohmann/json.hpp>

namespace mamori::storage {
namespace {

constexpr std::string_view kKeysList = "SELECT id, wrapped, master_id, created_at, seq FROM data_keys ORDER BY seq";
constexpr std::string_view kKeysMaxSeq = "SELECT COALESCE(MAX(seq), 0) FROM data_keys";
constexpr std::string_view kKeysInsert =
    "INSERT INTO data_keys (id, wrapped, master_id, created_at, seq) VALUES (?, ?, ?, ?, ?)";
constexpr std::string_view kKeysRewrap = "UPDATE data_keys SET wrapped = ?, master_id = ? WHERE id = ?";
constexpr std::string_view kAssetIdsAfter = "SELECT id FROM assets WHERE id > ? ORDER BY id LIMIT ?";
constexpr std::string_view kAssetSetText = "UPDATE assets SET name = ?, location = ?, handling = ? WHERE id = ?";
constexpr std::string_view kUserSecrets =
    "SELECT id, totp_secret, totp_pending FROM users WHERE totp_secret IS NOT NULL OR totp_pending IS NOT NULL "
    "ORDER BY id";
constexpr std::string_view kRequestFormsAfter =
    "SELECT id, fields, completion FROM requests WHERE id > ? ORDER BY id LIMIT ?";
constexpr std::string_view kRequestSetForms = "UPDATE requests SET fields = ?, completion = ? WHERE id = ?";
constexpr std::string_view kUserSetSecrets = "UPDATE users SET totp_secret = ?, totp_pending = ? WHERE id = ?";


}  // namespace

Result<std::vector<DataKeyRecord>> DataKeyRepo::List() {
  std::vector<DataKeyRecord> out;
  MAMORI_TRY(c_.Query(kKeysList, {}, [&](const Row& r) {
    out.push_back({.id = r.Str(0), .wrapped = r.Str(1), .master_id = r.Str(2), .created_at = r.Int(3), .seq = r.Int(4)});
  }));
  return out;
}

Result<int64_t> DataKeyRepo::Insert(const DataKeyRecord& k) {
  MAMORI_ASSIGN(int64_t top, c_.QueryInt(kKeysMaxSeq, {}, 0));
  auto r = c_.Execute(kKeysInsert, {k.id, k.wrapped, k.master_id, k.created_at, top + 1});
  if (!r.ok()) return std::move(r).error();
  return top + 1;
}

Status DataKeyRepo::Rewrap(const std::string& id, const std::string& wrapped, const std::string& master_id) {
  MAMORI_ASSIGN(int64_t n, c_.Execute(kKeysRewrap, {wrapped, master_id, id}));
  if (n != 1) return Error::NotFound("データ鍵 " + id);
  return Ok();
}

Result<std::vector<std::string>> SealedRowRepo::AssetIdsAfter(const std::string& after_id, int64_t limit) {
  std::vector<std::string> out;
  MAMORI_TRY(c_.Query(kAssetIdsAfter, {after_id, limit}, [&](const Row& r) { out.push_back(r.Str(0)); }));
  return out;
}

Status SealedRowRepo::SetAssetText(const AssetRecord& a) {
  MAMORI_ASSIGN(int64_t n, c_.Execute(kAssetSetText, {a.name, Nullable(a.location), nlohmann::json(a.handling).dump(), a.id}));
  if (n != 1) return Error::NotFound("情報資産");
  return Ok();
}

Result<std::vector<UserSecrets>> SealedRowRepo::UserSecretsAll() {
  std::vector<UserSecrets> out;
  MAMORI_TRY(c_.Query(kUserSecrets, {}, [&](const Row& r) {
    out.push_back({.id = r.Str(0), .totp_secret = r.Str(1), .totp_pending = r.Str(2)});
  }));
  return out;
}

Status SealedRowRepo::SetUserSecrets(const UserSecrets& u) {
  MAMORI_ASSIGN(int64_t n, c_.Execute(kUserSetSecrets, {Nullable(u.totp_secret), Nullable(u.totp_pending), u.id}));
  if (n != 1) return Error::NotFound("利用者");
  return Ok();
}

Result<std::vector<RequestForms>> SealedRowRepo::RequestFormsAfter(const std::string& after_id, int64_t limit) {
  std::vector<RequestForms> out;
  MAMORI_TRY(c_.Query(kRequestFormsAfter, {after_id, limit}, [&](const Row& r) {
    out.push_back({.id = r.Str(0), .fields = r.Str(1), .completion = r.Str(2)});
  }));
  return out;
}

Status SealedRowRepo::SetRequestForms(const RequestForms& r) {
  MAMORI_ASSIGN(int64_t n, c_.Execute(kRequestSetForms, {r.fields, r.completion, r.id}));
  if (n != 1) return Error::NotFound("申請");
  return Ok();
}

}  // namespace mamori::storage

#include "domain/key_service.hpp"

#include "audit/actions.hpp"
#include "common/crypto.hpp"
#include "domain/asset_service.hpp"

namespace mamori::domain {
namespace {

audit::Event SystemEvent(const char* action, std::string target) {
  audit::Event e;
  e.actor = "system";
  e.actor_login = "system";
  e.action = action;
  e.target = std::move(target);
  return e;
}

std::string NewKeyId() { return "k" + crypto::HexEncode(crypto::RandomBytes(6)); }

std::string ClauseOf(const Env& env) {
  return env.pack.sealing.clauses.empty() ? "" : env.pack.Cite(env.pack.sealing.clauses.front());
}

}  // namespace

Result<storage::DataKeyRecord> KeyService::NewKey(const std::string& key32) const {
  const auto& master = env_.sealer->master();
  if (!master) return Error::Internal("no master key");
  storage::DataKeyRecord k{.id = NewKeyId(), .created_at = env_.clock.NowMicros()};
  MAMORI_ASSIGN(k.wrapped, master->Wrap(k.id, key32));
  k.master_id = master->id();
  return k;
}

Status KeyService::Open(const std::string& legacy_key) {
  Sealer& sealer = *env_.sealer;
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_ASSIGN(auto keys, storage::DataKeyRepo(c).List());
    if (!keys.empty()) return Ok();
    const std::string key = legacy_key.empty() ? crypto::RandomBytes(crypto::kAesKeySize) : legacy_key;
    MAMORI_ASSIGN(storage::DataKeyRecord k, NewKey(key));
    MAMORI_TRY(storage::DataKeyRepo(c).Insert(k));
    MAMORI_TRY(sealer.ring().Add(k.id, key, true));
    if (legacy_key.empty()) {
      audit::Event e = SystemEvent(audit::action::kKeysCreate, "data_key:" + k.id);
      e.clause = ClauseOf(env_);
      e.detail = {{"key_id", k.id}, {"master_id", k.master_id}};
      return env_.log.Record(c, e);
    }
    // The old format: base64 of nonce || ciphertext || tag under the raw key, same place.
    storage::SealedRowRepo rows(c);
    MAMORI_ASSIGN(auto users, rows.UserSecretsAll());
    int64_t moved = 0;
    for (auto& u : users) {
      for (std::string* v : {&u.totp_secret, &u.totp_pending}) {
        if (v->empty() || crypto::IsSealed(*v)) continue;
        auto raw = crypto::Base64Decode(*v);
        if (!raw) return Error::Internal("利用者 " + u.id + " の TOTP 秘密鍵が壊れています");
        MAMORI_ASSIGN(std::string plain, crypto::OpenAesGcm(legacy_key, *raw, TotpPlace(u.id)));
        MAMORI_ASSIGN(*v, sealer.Seal(plain, TotpPlace(u.id)));
      }
      MAMORI_TRY(rows.SetUserSecrets(u));
      ++moved;
    }
    audit::Event e = SystemEvent(audit::action::kKeysUpgrade, "data_key:" + k.id);
    e.clause = ClauseOf(env_);
    e.detail = {{"key_id", k.id}, {"master_id", k.master_id}, {"secrets_resealed", moved}};
    return env_.log.Record(c, e);
  }));
  MAMORI_ASSIGN(auto conn, env_.db.Acquire());
  return sealer.Load(*conn);
}

Result<std::string> KeyService::RotateData() {
  const std::string key = crypto::RandomBytes(crypto::kAesKeySize);
  MAMORI_ASSIGN(storage::DataKeyRecord k, NewKey(key));
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    MAMORI_TRY(storage::DataKeyRepo(c).Insert(k));
    audit::Event e = SystemEvent(audit::action::kKeysRotateData, "data_key:" + k.id);
    e.clause = ClauseOf(env_);
    e.detail = {{"key_id", k.id}, {"master_id", k.master_id}, {"previous", env_.sealer->ring().current()}};
    return env_.log.Record(c, e);
  }));
  MAMORI_TRY(env_.sealer->ring().Add(k.id, key, true));
  return k.id;
}

Result<int64_t> KeyService::RotateMaster(const crypto::MasterKey& next) {
  const auto& master = env_.sealer->master();
  if (!master) return Error::Internal("no master key");
  return env_.db.Write([&](storage::Connection& c) -> Result<int64_t> {
    storage::DataKeyRepo repo(c);
    MAMORI_ASSIGN(auto keys, repo.List());
    for (const auto& k : keys) {
      MAMORI_ASSIGN(std::string key, master->Unwrap(k.id, k.wrapped));
      MAMORI_ASSIGN(std::string wrapped, next.Wrap(k.id, key));
      // Proved before it is stored: a master that cannot unwrap what it wrapped loses nothing.
      MAMORI_ASSIGN(std::string back, next.Unwrap(k.id, wrapped));
      if (!crypto::ConstantTimeEqual(back, key)) return Error::Internal("新しいマスター鍵で鍵を復元できません");
      MAMORI_TRY(repo.Rewrap(k.id, wrapped, next.id()));
    }
    audit::Event e = SystemEvent(audit::action::kKeysRotateMaster, "data_keys");
    e.clause = ClauseOf(env_);
    e.detail = {{"from", master->id()}, {"to", next.id()}, {"keys", keys.size()}};
    MAMORI_TRY(env_.log.Record(c, e));
    return static_cast<int64_t>(keys.size());
  });
}

Result<ResealReport> KeyService::Reseal(int64_t batch) {
  ResealReport report;
  report.key_id = env_.sealer->ring().current();
  AssetService assets(env_);
  const std::string current = report.key_id;
  auto stale = [&](const std::string& v) { return crypto::IsSealed(v) && crypto::SealedKeyId(v) != current; };
  std::string after;
  for (;;) {
    bool done = false;
    MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
      storage::SealedRowRepo rows(c);
      MAMORI_ASSIGN(auto ids, rows.AssetIdsAfter(after, batch));
      if (ids.empty()) {
        done = true;
        return Ok();
      }
      MAMORI_ASSIGN(auto found, storage::AssetRepo(c).GetMany(ids));
      int64_t rewritten = 0;
      for (auto& stored : found) {
        const bool was_sealed = crypto::IsSealed(stored.name) || crypto::IsSealed(stored.location) ||
                                (stored.handling.size() == 1 && crypto::IsSealed(stored.handling[0]));
        const bool old_key = stale(stored.name) || stale(stored.location) ||
                             (stored.handling.size() == 1 && stale(stored.handling[0]));
        storage::AssetRecord plain = stored;
        MAMORI_TRY(assets.OpenStored(plain));
        const bool want_sealed = assets.Sealed(plain);
        if (!old_key && was_sealed == want_sealed) continue;
        MAMORI_ASSIGN(storage::AssetRecord next, assets.ToStored(plain));
        MAMORI_TRY(rows.SetAssetText(next));
        ++rewritten;
      }
      report.assets_checked += static_cast<int64_t>(ids.size());
      report.assets_rewritten += rewritten;
      const std::string first = ids.front();
      after = ids.back();
      if (rewritten == 0) return Ok();
      audit::Event e = SystemEvent(audit::action::kKeysReseal, "assets");
      e.clause = ClauseOf(env_);
      e.detail = {{"kind", "asset"}, {"key_id", current}, {"rewritten", rewritten}, {"from_id", first}, {"to_id", after}};
      return env_.log.Record(c, e);
    }));
    if (done) break;
  }
  // Request forms: personal data fields the pack names now, under the current key.
  after.clear();
  for (;;) {
    bool done = false;
    MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
      storage::SealedRowRepo rows(c);
      MAMORI_ASSIGN(auto forms, rows.RequestFormsAfter(after, batch));
      if (forms.empty()) {
        done = true;
        return Ok();
      }
      int64_t rewritten = 0;
      for (auto& f : forms) {
        storage::RequestForms next = f;
        for (std::string* text : {&next.fields, &next.completion}) {
          MAMORI_TRY(OpenFieldsText(*env_.sealer, "request", f.id, *text));
          MAMORI_TRY(SealFieldsText(*env_.sealer, env_.pack, "request", f.id, *text));
        }
        // A sealed value's marker as stored JSON writes it; what follows it names the key.
        constexpr std::string_view kMarker = "\\u001fs1:";
        auto count = [&](const std::string& text) {
          size_t n = 0;
          for (size_t at = text.find(kMarker); at != std::string::npos; at = text.find(kMarker, at + 1)) ++n;
          return n;
        };
        auto stale_in = [&](const std::string& text) {
          for (size_t at = text.find(kMarker); at != std::string::npos; at = text.find(kMarker, at + 1))
            if (text.compare(at + kMarker.size(), current.size() + 1, current + ":") != 0) return true;
          return false;
        };
        const bool changed_rule = count(f.fields) + count(f.completion) != count(next.fields) + count(next.completion);
        if (!changed_rule && !stale_in(f.fields) && !stale_in(f.completion)) continue;
        MAMORI_TRY(rows.SetRequestForms(next));
        ++rewritten;
      }
      report.requests_checked += static_cast<int64_t>(forms.size());
      report.requests_rewritten += rewritten;
      const std::string first = forms.front().id;
      after = forms.back().id;
      if (rewritten == 0) return Ok();
      audit::Event e = SystemEvent(audit::action::kKeysReseal, "requests");
      e.clause = ClauseOf(env_);
      e.detail = {{"kind", "request"}, {"key_id", current}, {"rewritten", rewritten}, {"from_id", first}, {"to_id", after}};
      return env_.log.Record(c, e);
    }));
    if (done) break;
  }
  MAMORI_TRY(env_.db.Write([&](storage::Connection& c) -> Status {
    storage::SealedRowRepo rows(c);
    MAMORI_ASSIGN(auto users, rows.UserSecretsAll());
    int64_t rewritten = 0;
    for (auto& u : users) {
      bool changed = false;
      for (std::string* v : {&u.totp_secret, &u.totp_pending}) {
        if (!stale(*v)) continue;
        MAMORI_ASSIGN(std::string plain, OpenTotp(*env_.sealer, *v, u.id));
        MAMORI_ASSIGN(*v, env_.sealer->Seal(plain, TotpPlace(u.id)));
        changed = true;
      }
      if (!changed) continue;
      MAMORI_TRY(rows.SetUserSecrets(u));
      ++rewritten;
    }
    report.secrets_rewritten = rewritten;
    if (rewritten == 0) return Ok();
    audit::Event e = SystemEvent(audit::action::kKeysReseal, "users");
    e.clause = ClauseOf(env_);
    e.detail = {{"kind", "totp"}, {"key_id", current}, {"rewritten", rewritten}};
    return env_.log.Record(c, e);
  }));
  return report;
}

Result<std::vector<storage::DataKeyRecord>> KeyService::Keys() {
  return env_.db.Read([&](storage::Connection& c) { return storage::DataKeyRepo(c).List(); });
}

}  // namespace mamori::domain

// Envelope encryption for sealed fields (docs/sealing.md): a ring of AES-256-GCM data keys, each
// stored only wrapped by a master key that lives outside the database — a key file, or a KMS
// reached through a command. No cipher is written here: every operation is crypto.hpp's
// AES-256-GCM (OpenSSL EVP).
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mamori::crypto {

// What wraps and unwraps data keys. `key_id` is bound into the wrapping (a wrapped key cannot
// be passed off as another one). Implementations are thread-safe.
class MasterKey {
 public:
  virtual ~MasterKey() = default;
  // A short public name of this master key, stored beside each data key it wraps so that an
  // operator sees which master a row needs. Never derived in a way that reveals the key.
  virtual std::string id() const = 0;
  virtual Result<std::string> Wrap(std::string_view key_id, std::string_view data_key) const = 0;
  virtual Result<std::string> Unwrap(std::string_view key_id, std::string_view wrapped) const = 0;
};

// A 32-byte key read from a file (base64, one line). The wrapping is AES-256-GCM with the data
// key's id as associated data, written as base64. id(): "file:" + 16 hex digits of
// HMAC-SHA-256(master, "mamori master key id").
// Loaded from a path, a key that fails to unwrap re-reads the file once and tries the key found
// there: a server running since before `mamori keys rotate-master` still unwraps data keys
// added afterwards.
class FileMasterKey : public MasterKey {
 public:
  static Result<std::unique_ptr<FileMasterKey>> Load(const std::string& path);
  static std::unique_ptr<FileMasterKey> FromBytes(std::string key32);
  // A fresh key written to `path` owner-only (0600) through a temporary file and a rename:
  // a crash never leaves half a key. Refuses to overwrite an existing file.
  static Status Generate(const std::string& path);

  std::string id() const override { return id_; }
  Result<std::string> Wrap(std::string_view key_id, std::string_view data_key) const override;
  Result<std::string> Unwrap(std::string_view key_id, std::string_view wrapped) const override;

 private:
  explicit FileMasterKey(std::string key32);
  std::string key_;
  std::string id_;
  std::string path_;  // "" for a key given as bytes
};

// A key management service reached through a command (config `sealing_kms_command`): mamori
// runs `/bin/sh -c 'COMMAND wrap KEY_ID'` (or `unwrap`) with the base64 input on stdin and reads
// the base64 answer from stdout; a non-zero exit or empty answer is a failure. The master key
// never enters mamori's memory. id(): "kms".
class CommandMasterKey : public MasterKey {
 public:
  explicit CommandMasterKey(std::string command) : command_(std::move(command)) {}
  std::string id() const override { return "kms"; }
  Result<std::string> Wrap(std::string_view key_id, std::string_view data_key) const override;
  Result<std::string> Unwrap(std::string_view key_id, std::string_view wrapped) const override;

 private:
  Result<std::string> Run(const char* verb, std::string_view key_id, std::string_view input) const;
  std::string command_;
};

// Every sealed value starts with this: a unit separator (U+001F, a control character no
// validated input may contain, so no plain value is ever mistaken for a sealed one), the format
// version, the data key's id, then base64 of nonce || ciphertext || tag.
//   "\x1Fs1:" KEY_ID ":" BASE64
inline constexpr std::string_view kSealedPrefix = "\x1Fs1:";

// True when `text` has the sealed form (it may still fail to open).
bool IsSealed(std::string_view text);
// The data key id a sealed value names ("" when `text` is not sealed).
std::string SealedKeyId(std::string_view text);

// The unwrapped data keys, by id, and which one seals new values. Thread-safe: readers share
// a lock, Add takes it exclusively (a running server learns of keys added by `mamori keys
// rotate-data` without a restart).
class KeyRing {
 public:
  // Adds (or replaces) a key; `current` makes it the one new values are sealed with.
  Status Add(const std::string& id, std::string key32, bool current);
  bool Has(const std::string& id) const;
  std::string current() const;
  std::vector<std::string> ids() const;
  bool empty() const;

  // Seals under the current key. `aad` binds the value to its place (e.g. "asset:<id>:name"):
  // moved to another row or field it no longer opens.
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;
  // Opens a value Seal produced. A value that is not sealed is an error; an unknown key id is
  // ErrorCode::kNotFound (the caller may reload the ring and try again); anything altered is
  // kInternal.
  Result<std::string> Open(std::string_view sealed, std::string_view aad) const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::string> keys_;
  std::string current_;
};

}  // namespace mamori::crypto

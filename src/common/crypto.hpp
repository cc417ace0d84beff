// Cryptographic primitives for all of mamori: thin wrappers over OpenSSL 3 EVP and libsodium.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

// OpenSSL's context type, declared here so this header does not pull in <openssl/evp.h>.
struct evp_md_ctx_st;
struct evp_pkey_st;

namespace mamori::crypto {

// Initialises libsodium once per process. Every function below calls it, so callers only
// need it when they use libsodium directly (auth/password_hash does). Aborts the process if
// libsodium cannot initialise: without a working CSPRNG nothing mamori does is safe.
void EnsureInitialized();

// --- randomness (libsodium CSPRNG) ---

// n bytes from the CSPRNG.
std::string RandomBytes(size_t n);
// `bytes` random bytes as base64url without padding: session ids, CSRF tokens, reset links.
std::string RandomToken(size_t bytes = 32);

// --- encodings ---

// Lower-case hex.
std::string HexEncode(std::string_view data);
// Accepts upper or lower case; nullopt on odd length or any non-hex character.
std::optional<std::string> HexDecode(std::string_view hex);
// RFC 4648 section 4 alphabet, with padding.
std::string Base64Encode(std::string_view data);
// Strict: padding required, no whitespace; nullopt on anything malformed.
std::optional<std::string> Base64Decode(std::string_view b64);
// RFC 4648 section 5 alphabet, no padding (tokens that go into URLs and cookies).
std::string Base64UrlEncode(std::string_view data);
// Inverse of Base64UrlEncode; padding is rejected; nullopt on anything malformed.
std::optional<std::string> Base64UrlDecode(std::string_view b64url);

// --- hashing and MACs ---

inline constexpr size_t kSha256Size = 32;

// The 32 raw bytes of SHA-256(data).
std::string Sha256(std::string_view data);
// SHA-256(data) as 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);

// Streaming SHA-256 that keeps one EVP_MD_CTX and a once-fetched EVP_MD for its whole life:
// after Final() it is ready for the next message, so the operation-log verifier (over a
// million entries per second) pays no context allocation or algorithm fetch per entry.
// (OpenSSL 3.0 still re-creates its small provider state on re-init: one malloc per
// message; about 6 million 150-byte messages per second on one core.)
// Not thread-safe; use one per thread.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view data);
  // Returns the 32 raw bytes of the digest and resets for the next message.
  std::string Final();
  // Same as Final() but writes into out[0..32), sparing the verifier's hot loop the
  // std::string allocation.
  void Final(unsigned char* out);
  // Discards anything fed so far.
  void Reset();

 private:
  evp_md_ctx_st* ctx_;
};

// Raw HMAC tags (20 and 32 bytes). HMAC-SHA1 exists only for TOTP (RFC 6238 mandates it).
std::string HmacSha1(std::string_view key, std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// Compares in time independent of the contents (not of the lengths); false when the lengths
// differ.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// --- AES-256-GCM (stored sensitive data and files) ---

inline constexpr size_t kAesKeySize = 32;
inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;

// Encrypts with a fresh random 96-bit nonce. Returns nonce(12) || ciphertext || tag(16).
// `aad` is authenticated but not stored: bind the record id or column name here so a sealed
// value cannot be moved to another row. Fails only on a key that is not 32 bytes or an
// OpenSSL failure.
Result<std::string> SealAesGcm(std::string_view key32, std::string_view plaintext,
                               std::string_view aad);
// Inverse of SealAesGcm. Fails (ErrorCode::kInternal) when the key, nonce, ciphertext, tag or
// aad differ in any bit from what was sealed, or when `sealed` is too short.
Result<std::string> OpenAesGcm(std::string_view key32, std::string_view sealed,
                               std::string_view aad);

// --- ECDSA P-256 with SHA-256 (operation-log checkpoints) ---

struct EcKeyPair {
  std::string private_pem;  // PKCS#8 "BEGIN PRIVATE KEY", unencrypted
  std::string public_pem;   // SubjectPublicKeyInfo "BEGIN PUBLIC KEY"
};

Result<EcKeyPair> GenerateEcP256();

// A parsed EC P-256 key kept for many signatures: parsing PEM costs more than an ECDSA
// operation, so the operation log parses its keys once. Cheap to copy; thread-safe to use.
class EcKey {
 public:
  EcKey() = default;
  static Result<EcKey> FromPrivatePem(std::string_view pem);
  static Result<EcKey> FromPublicPem(std::string_view pem);
  bool valid() const { return key_ != nullptr; }
  // DER-encoded ECDSA-Sig-Value over SHA-256(data); needs a private key.
  Result<std::string> Sign(std::string_view data) const;
  // False on a bad or malformed signature.
  bool Verify(std::string_view data, std::string_view der_sig) const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

// DER-encoded ECDSA-Sig-Value over SHA-256(data). Fails unless the key is a P-256 key.
Result<std::string> SignEcdsaSha256(std::string_view private_pem, std::string_view data);
// False on a bad signature, a malformed key or signature, or a key that is not P-256.
bool VerifyEcdsaSha256(std::string_view public_pem, std::string_view data,
                       std::string_view der_sig);

// --- TLS ---

// Writes a fresh EC P-256 key (PKCS#8 PEM, file mode 0600) and a self-signed X.509 v3
// certificate for it (PEM, mode 0644) valid from now for `days` days, with subjectAltName
// DNS:localhost, IP:127.0.0.1, IP:::1, signed with SHA-256. For first start and tests only;
// a production site installs a certificate from its own CA. Each file is written to a
// temporary name and renamed, so a crash never leaves a half-written key.
Status WriteSelfSignedCertificate(const std::string& key_path, const std::string& cert_path,
                                  const std::string& common_name, int days);

}  // namespace mamori::crypto

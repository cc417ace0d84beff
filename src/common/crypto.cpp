#include "common/crypto.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace mamori::crypto {
namespace {

// RAII owners for the OpenSSL objects used below.
struct BioFree { void operator()(BIO* p) const { BIO_free(p); } };
struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct CipherCtxFree { void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); } };
struct MacCtxFree { void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct ExtFree { void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_free(p); } };
struct PkeyCtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, ExtFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// Algorithms are fetched once and kept for the life of the process: in OpenSSL 3 the legacy
// EVP_sha256()-style getters trigger an implicit fetch (a locked provider lookup) on every
// init, which costs more than hashing a short log entry.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) {
    std::fputs("mamori: OpenSSL cannot provide SHA256\n", stderr);
    std::abort();
  }
  return md;
}

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) {
    std::fputs("mamori: OpenSSL cannot provide HMAC\n", stderr);
    std::abort();
  }
  return mac;
}

const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) {
    std::fputs("mamori: OpenSSL cannot provide AES-256-GCM\n", stderr);
    std::abort();
  }
  return cipher;
}

// The OpenSSL error queue as text, emptied so the next failure does not report stale entries.
std::string OpensslErrors() {
  std::string out;
  unsigned long code;
  char buf[256];
  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Error OpensslError(std::string_view what) {
  std::string detail(what);
  std::string queue = OpensslErrors();
  if (!queue.empty()) detail += ": " + queue;
  return Error::Internal(std::move(detail));
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len > 0 ? len : 0));
}

PkeyPtr ReadPrivateKey(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  // A null password callback with an empty passphrase: an encrypted key fails instead of
  // prompting on the terminal.
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
}

PkeyPtr ReadPublicKey(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return PkeyPtr(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

// ECDSA over another curve would still "work"; the checkpoint format promises P-256, so
// anything else is refused rather than silently accepted.
bool IsP256(EVP_PKEY* pkey) {
  if (pkey == nullptr || !EVP_PKEY_is_a(pkey, "EC")) return false;
  char group[64] = {};
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                      &len)) {
    return false;
  }
  return std::string_view(group, len) == "prime256v1" || std::string_view(group, len) == "P-256";
}

std::string HmacWith(const char* digest, std::string_view key, std::string_view data) {
  MacCtxPtr ctx(EVP_MAC_CTX_new(HmacAlgorithm()));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  // OpenSSL rejects a null key pointer even with length 0; an empty key is legal HMAC.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_bytes = key.empty() ? &kEmpty : Bytes(key);
  if (!ctx || !EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) ||
      !EVP_MAC_update(ctx.get(), Bytes(data), data.size()) ||
      !EVP_MAC_final(ctx.get(), out, &out_len, sizeof out)) {
    // Only a broken OpenSSL installation gets here; a wrong MAC would be worse than dying.
    std::fprintf(stderr, "mamori: HMAC failed: %s\n", OpensslErrors().c_str());
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

// Writes `contents` to `path` with `mode` via a temporary file in the same directory and a
// rename, so readers never see a partial file and a key is never briefly world-readable.
Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  std::string tmp = path + ".tmp-" + HexEncode(RandomBytes(6));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Error::Internal("cannot create " + tmp + ": " + std::strerror(errno));
  // The umask may have narrowed `mode`; set it exactly (0644 must stay readable for the
  // certificate, 0600 must stay private for the key).
  int err = 0;
  if (::fchmod(fd, mode) != 0) err = errno;
  size_t done = 0;
  while (err == 0 && done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err == 0) return Ok();
  ::unlink(tmp.c_str());
  return Error::Internal("cannot write " + path + ": " + std::strerror(err));
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || !X509_add_ext(cert, ext.get(), -1)) {
    return OpensslError(std::string("adding certificate extension ") + OBJ_nid2sn(nid));
  }
  return Ok();
}

}  // namespace

void EnsureInitialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      std::fputs("mamori: libsodium failed to initialise\n", stderr);
      std::abort();
    }
  });
}

// --- randomness ---

std::string RandomBytes(size_t n) {
  EnsureInitialized();
  std::string out(n, '\0');
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string RandomToken(size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

// --- encodings ---

std::string HexEncode(std::string_view data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), Bytes(data), data.size());
  out.pop_back();  // sodium writes a terminating NUL
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  EnsureInitialized();
  std::string out(hex.size() / 2, '\0');
  size_t out_len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                     hex.size(), nullptr, &out_len, &end) != 0 ||
      end != hex.data() + hex.size() || out_len != out.size()) {
    return std::nullopt;
  }
  return out;
}

namespace {

std::string Base64With(std::string_view data, int variant) {
  std::string out(sodium_base64_encoded_len(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(data), data.size(), variant);
  out.resize(std::strlen(out.c_str()));  // the encoded length includes the NUL
  return out;
}

std::optional<std::string> Base64DecodeWith(std::string_view b64, int variant) {
  EnsureInitialized();
  std::string out(b64.size() / 4 * 3 + 3, '\0');
  size_t out_len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), b64.data(),
                        b64.size(), nullptr, &out_len, &end, variant) != 0 ||
      end != b64.data() + b64.size()) {
    return std::nullopt;
  }
  out.resize(out_len);
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view data) {
  return Base64With(data, sodium_base64_VARIANT_ORIGINAL);
}

std::optional<std::string> Base64Decode(std::string_view b64) {
  return Base64DecodeWith(b64, sodium_base64_VARIANT_ORIGINAL);
}

std::string Base64UrlEncode(std::string_view data) {
  return Base64With(data, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

std::optional<std::string> Base64UrlDecode(std::string_view b64url) {
  return Base64DecodeWith(b64url, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

// --- hashing ---

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || !EVP_DigestInit_ex2(ctx_, Sha256Md(), nullptr)) {
    std::fputs("mamori: cannot initialise SHA-256\n", stderr);
    std::abort();
  }
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

void Sha256Hasher::Update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_, data.data(), data.size());
}

void Sha256Hasher::Final(unsigned char* out) {
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, out, &len);
  // Re-initialising in place (a null type reuses the digest already set) keeps the context
  // and the fetched algorithm, so the next message starts without a fetch.
  EVP_DigestInit_ex2(ctx_, nullptr, nullptr);
}

std::string Sha256Hasher::Final() {
  std::string out(kSha256Size, '\0');
  Final(reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

void Sha256Hasher::Reset() { EVP_DigestInit_ex2(ctx_, nullptr, nullptr); }

std::string Sha256(std::string_view data) {
  // One hasher per thread avoids a context allocation per call.
  thread_local Sha256Hasher hasher;
  hasher.Update(data);
  return hasher.Final();
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string HmacSha1(std::string_view key, std::string_view data) {
  return HmacWith("SHA1", key, data);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  return HmacWith("SHA256", key, data);
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  EnsureInitialized();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// --- AES-256-GCM ---

Result<std::string> SealAesGcm(std::string_view key32, std::string_view plaintext,
                               std::string_view aad) {
  if (key32.size() != kAesKeySize) return Error::Internal("AES-256-GCM key must be 32 bytes");
  if (plaintext.size() > static_cast<size_t>(INT32_MAX - 64) ||
      aad.size() > static_cast<size_t>(INT32_MAX)) {
    return Error::Internal("AES-256-GCM input too large");
  }
  // Random 96-bit nonces are safe up to about 2^32 messages per key (NIST SP 800-38D 8.3);
  // keys are per-installation data keys, far below that.
  std::string out = RandomBytes(kGcmNonceSize);
  out.resize(kGcmNonceSize + plaintext.size() + kGcmTagSize);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  auto* ct = nonce + kGcmNonceSize;

  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  if (!ctx || !EVP_EncryptInit_ex2(ctx.get(), Aes256Gcm(), Bytes(key32), nonce, nullptr)) {
    return OpensslError("AES-256-GCM init");
  }
  if (!aad.empty() &&
      !EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size()))) {
    return OpensslError("AES-256-GCM aad");
  }
  if (!plaintext.empty()) {
    if (!EVP_EncryptUpdate(ctx.get(), ct, &len, Bytes(plaintext),
                           static_cast<int>(plaintext.size()))) {
      return OpensslError("AES-256-GCM encrypt");
    }
    total = len;
  }
  if (!EVP_EncryptFinal_ex(ctx.get(), ct + total, &len)) return OpensslError("AES-256-GCM final");
  total += len;
  if (!EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, ct + total)) {
    return OpensslError("AES-256-GCM tag");
  }
  return out;
}

Result<std::string> OpenAesGcm(std::string_view key32, std::string_view sealed,
                               std::string_view aad) {
  if (key32.size() != kAesKeySize) return Error::Internal("AES-256-GCM key must be 32 bytes");
  if (sealed.size() < kGcmNonceSize + kGcmTagSize) {
    return Error::Internal("AES-256-GCM sealed value too short");
  }
  if (sealed.size() > static_cast<size_t>(INT32_MAX) ||
      aad.size() > static_cast<size_t>(INT32_MAX)) {
    return Error::Internal("AES-256-GCM input too large");
  }
  std::string_view nonce = sealed.substr(0, kGcmNonceSize);
  std::string_view ct = sealed.substr(kGcmNonceSize, sealed.size() - kGcmNonceSize - kGcmTagSize);
  std::string tag(sealed.substr(sealed.size() - kGcmTagSize));

  std::string out(ct.size(), '\0');
  auto* pt = reinterpret_cast<unsigned char*>(out.data());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  if (!ctx || !EVP_DecryptInit_ex2(ctx.get(), Aes256Gcm(), Bytes(key32), Bytes(nonce), nullptr)) {
    return OpensslError("AES-256-GCM init");
  }
  if (!aad.empty() &&
      !EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), static_cast<int>(aad.size()))) {
    return OpensslError("AES-256-GCM aad");
  }
  if (!ct.empty()) {
    if (!EVP_DecryptUpdate(ctx.get(), pt, &len, Bytes(ct), static_cast<int>(ct.size()))) {
      return OpensslError("AES-256-GCM decrypt");
    }
    total = len;
  }
  if (!EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag.data())) {
    return OpensslError("AES-256-GCM tag");
  }
  // The tag is checked here; on failure the plaintext decrypted so far must not escape.
  if (EVP_DecryptFinal_ex(ctx.get(), pt + total, &len) <= 0) {
    sodium_memzero(out.data(), out.size());
    ERR_clear_error();
    return Error::Internal("AES-256-GCM authentication failed");
  }
  total += len;
  out.resize(static_cast<size_t>(total));
  return out;
}

// --- ECDSA P-256 ---

Result<EcKeyPair> GenerateEcP256() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!pkey) return OpensslError("EC P-256 key generation");
  BioPtr priv(BIO_new(BIO_s_mem()));
  BioPtr pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub ||
      !PEM_write_bio_PrivateKey(priv.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
      !PEM_write_bio_PUBKEY(pub.get(), pkey.get())) {
    return OpensslError("EC key PEM encoding");
  }
  EcKeyPair pair{BioContents(priv.get()), BioContents(pub.get())};
  // The PEM text in the memory BIO is the private key; wipe it before the BIO frees it.
  char* data = nullptr;
  long len = BIO_get_mem_data(priv.get(), &data);
  if (data != nullptr && len > 0) OPENSSL_cleanse(data, static_cast<size_t>(len));
  return pair;
}

Result<EcKey> EcKey::FromPrivatePem(std::string_view pem) {
  PkeyPtr pkey = ReadPrivateKey(pem);
  if (!pkey) return OpensslError("reading EC private key");
  if (!IsP256(pkey.get())) return Error::Internal("signing key is not an EC P-256 key");
  EcKey k;
  k.key_ = std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free);
  return k;
}

Result<EcKey> EcKey::FromPublicPem(std::string_view pem) {
  PkeyPtr pkey = ReadPublicKey(pem);
  ERR_clear_error();
  if (!pkey || !IsP256(pkey.get())) return Error::Internal("not an EC P-256 public key");
  EcKey k;
  k.key_ = std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free);
  return k;
}

Result<std::string> EcKey::Sign(std::string_view data) const {
  if (!key_) return Error::Internal("no signing key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t sig_len = 0;
  if (!ctx ||
      !EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) ||
      !EVP_DigestSign(ctx.get(), nullptr, &sig_len, Bytes(data), data.size())) {
    return OpensslError("ECDSA sign init");
  }
  std::string sig(sig_len, '\0');
  if (!EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                      Bytes(data), data.size())) {
    return OpensslError("ECDSA sign");
  }
  sig.resize(sig_len);  // DER length varies with the leading bits of r and s
  return sig;
}

bool EcKey::Verify(std::string_view data, std::string_view der_sig) const {
  // The same ECDSA-SHA256 check as EVP_DigestVerify, with the digest taken first: OpenSSL 3
  // fetches the digest implementation on every DigestVerifyInit, which costs more than the
  // signature check itself when a whole log's checkpoints are verified.
  if (!key_ || der_sig.empty()) return false;
  const std::string digest = Sha256(data);
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
            EVP_PKEY_verify(ctx.get(), Bytes(der_sig), der_sig.size(), Bytes(digest), digest.size()) == 1;
  // A rejected signature leaves entries on the error queue; they are not errors of ours.
  ERR_clear_error();
  return ok;
}

Result<std::string> SignEcdsaSha256(std::string_view private_pem, std::string_view data) {
  MAMORI_ASSIGN(EcKey key, EcKey::FromPrivatePem(private_pem));
  return key.Sign(data);
}

bool VerifyEcdsaSha256(std::string_view public_pem, std::string_view data,
                       std::string_view der_sig) {
  auto key = EcKey::FromPublicPem(public_pem);
  return key.ok() && key->Verify(data, der_sig);
}

// --- TLS ---

Status WriteSelfSignedCertificate(const std::string& key_path, const std::string& cert_path,
                                  const std::string& common_name, int days) {
  if (days <= 0) return Error::Internal("certificate validity must be at least one day");
  if (common_name.empty()) return Error::Internal("certificate common name must not be empty");

  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!pkey) return OpensslError("EC P-256 key generation");
  X509Ptr cert(X509_new());
  if (!cert) return OpensslError("X509_new");

  // X.509 v3 is encoded as version value 2.
  if (!X509_set_version(cert.get(), 2)) return OpensslError("certificate version");

  // A random positive 127-bit serial (RFC 5280 4.1.2.2: unique, at most 20 octets).
  BnPtr serial(BN_new());
  if (!serial || !BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()))) {
    return OpensslError("certificate serial");
  }

  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr)) {
    return OpensslError("certificate validity");
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                  -1, -1, 0) ||
      !X509_set_issuer_name(cert.get(), name) || !X509_set_pubkey(cert.get(), pkey.get())) {
    return OpensslError("certificate names");
  }

  MAMORI_TRY(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  MAMORI_TRY(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  MAMORI_TRY(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  MAMORI_TRY(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  MAMORI_TRY(AddExtension(cert.get(), NID_subject_alt_name,
                          "DNS:localhost,IP:127.0.0.1,IP:::1"));

  if (X509_sign(cert.get(), pkey.get(), Sha256Md()) <= 0) {
    return OpensslError("certificate signing");
  }

  BioPtr key_bio(BIO_new(BIO_s_mem()));
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  if (!key_bio || !cert_bio ||
      !PEM_write_bio_PrivateKey(key_bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr,
                                nullptr) ||
      !PEM_write_bio_X509(cert_bio.get(), cert.get())) {
    return OpensslError("certificate PEM encoding");
  }
  std::string key_pem = BioContents(key_bio.get());
  Status key_written = WriteFileAtomically(key_path, key_pem, 0600);
  sodium_memzero(key_pem.data(), key_pem.size());
  char* data = nullptr;
  long len = BIO_get_mem_data(key_bio.get(), &data);
  if (data != nullptr && len > 0) OPENSSL_cleanse(data, static_cast<size_t>(len));
  MAMORI_TRY(std::move(key_written));
  return WriteFileAtomically(cert_path, BioContents(cert_bio.get()), 0644);
}

}  // namespace mamori::crypto

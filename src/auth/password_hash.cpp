#include "auth/password_hash.hpp"

#include <sodium.h>

#include "common/crypto.hpp"

namespace mamori::auth {
namespace {

// libsodium takes the memory cost in bytes and the PHC string needs a terminating NUL, so
// both conversions are checked here once.
bool ToLimits(const Argon2Params& params, unsigned long long* opslimit, size_t* memlimit) {
  if (params.iterations < kArgon2MinIterations || params.memory_kib < kArgon2MinMemoryKib) {
    return false;
  }
  unsigned long long bytes = static_cast<unsigned long long>(params.memory_kib) * 1024ULL;
  if (bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX) return false;
  *opslimit = params.iterations;
  *memlimit = static_cast<size_t>(bytes);
  return true;
}

// A PHC string is ASCII and shorter than crypto_pwhash_STRBYTES; libsodium wants it
// NUL-terminated. Returns false for anything that cannot be one.
bool ToCString(std::string_view phc_hash, char (&out)[crypto_pwhash_STRBYTES]) {
  if (phc_hash.empty() || phc_hash.size() >= crypto_pwhash_STRBYTES ||
      phc_hash.find('\0') != std::string_view::npos) {
    return false;
  }
  phc_hash.copy(out, phc_hash.size());
  out[phc_hash.size()] = '\0';
  return true;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, const Argon2Params& params) {
  crypto::EnsureInitialized();
  unsigned long long opslimit = 0;
  size_t memlimit = 0;
  if (!ToLimits(params, &opslimit, &memlimit)) {
    return Error::Internal("Argon2id parameters out of range");
  }
  if (password.size() > crypto_pwhash_PASSWD_MAX) return Error::Internal("password too long");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit, memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    // libsodium fails here only when it cannot allocate the memory cost.
    return Error::Internal("Argon2id hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view phc_hash, std::string_view password) {
  crypto::EnsureInitialized();
  char hash[crypto_pwhash_STRBYTES];
  if (!ToCString(phc_hash, hash)) return false;
  // Only Argon2id hashes are ours; an argon2i string (which libsodium would also accept) can
  // only have come from somewhere else.
  if (std::string_view(hash).rfind(crypto_pwhash_argon2id_STRPREFIX, 0) != 0) return false;
  return crypto_pwhash_str_verify(hash, password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view phc_hash, const Argon2Params& params) {
  crypto::EnsureInitialized();
  unsigned long long opslimit = 0;
  size_t memlimit = 0;
  char hash[crypto_pwhash_STRBYTES];
  if (!ToLimits(params, &opslimit, &memlimit) || !ToCString(phc_hash, hash)) return true;
  // 0: same algorithm and parameters; 1: different parameters; -1: not an Argon2id string.
  return crypto_pwhash_argon2id_str_needs_rehash(hash, opslimit, memlimit) != 0;
}

}  // namespace mamori::auth

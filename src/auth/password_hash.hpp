// Argon2id password hashing (libsodium) in the PHC string format stored in users.password_hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mamori::auth {

// Argon2id cost. The defaults are the OWASP minimum for Argon2id with one lane
// (m=19 MiB, t=2); libsodium always uses one lane. The policy pack may raise them, and
// NeedsRehash() then upgrades each stored hash at its owner's next login.
struct Argon2Params {
  uint32_t memory_kib = 19456;
  uint32_t iterations = 2;
};

// The smallest costs HashPassword accepts (libsodium's own Argon2id minimums). Tests use
// these to stay fast; production packs must not.
inline constexpr uint32_t kArgon2MinMemoryKib = 8;
inline constexpr uint32_t kArgon2MinIterations = 1;

// Hashes with a fresh random salt. Returns "$argon2id$v=19$m=...,t=...,p=1$salt$hash".
// Fails (kInternal) when the parameters are below the minimums or above what libsodium
// accepts, or when the memory cannot be allocated.
Result<std::string> HashPassword(std::string_view password, const Argon2Params& params);

// True only when `phc_hash` is a well-formed Argon2 PHC string and `password` matches it.
// A malformed or empty hash is a plain mismatch, never an error: the caller answers
// "invalid credentials" either way, so the two must not be told apart.
bool VerifyPassword(std::string_view phc_hash, std::string_view password);

// True when `phc_hash` was not made by Argon2id with exactly these parameters (including
// any hash that does not parse), so it should be replaced after the next successful
// VerifyPassword.
bool NeedsRehash(std::string_view phc_hash, const Argon2Params& params);

}  // namespace mamori::auth

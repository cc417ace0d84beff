#include "auth/password_hash.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

namespace mamori::auth {
namespace {

// Small costs keep the suite fast; the production defaults are exercised once.
constexpr Argon2Params kFast{64, 1};

// Vectors from the Argon2 reference implementation (phc-winner-argon2 test suite),
// password "password", salt "somesalt".
constexpr const char* kReferenceM256 =
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
constexpr const char* kReferenceM65536 =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

TEST(PasswordHash, VerifiesReferenceVectors) {
  EXPECT_TRUE(VerifyPassword(kReferenceM256, "password"));
  EXPECT_FALSE(VerifyPassword(kReferenceM256, "Password"));
  EXPECT_TRUE(VerifyPassword(kReferenceM65536, "password"));
  EXPECT_FALSE(VerifyPassword(kReferenceM65536, "sassword"));
  // One changed character of the digest breaks it.
  std::string bad = kReferenceM256;
  bad[bad.size() - 2] = bad[bad.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyPassword(bad, "password"));
}

TEST(PasswordHash, HashIsPhcArgon2idWithRequestedCost) {
  auto hash = HashPassword("正しい馬電池ホチキス", kFast);
  ASSERT_TRUE(hash.ok()) << hash.error().detail;
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "正しい馬電池ホチキス"));
  EXPECT_FALSE(VerifyPassword(*hash, "正しい馬電池ホチキ"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordHash, SaltsAreFresh) {
  auto a = HashPassword("same password", kFast);
  auto b = HashPassword("same password", kFast);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*a, "same password"));
  EXPECT_TRUE(VerifyPassword(*b, "same password"));
}

TEST(PasswordHash, PasswordsWithNulAndEmptyPasswordsAreExact) {
  std::string with_nul("ab\0cd", 5);
  auto hash = HashPassword(with_nul, kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(*hash, with_nul));
  EXPECT_FALSE(VerifyPassword(*hash, "ab"));  // no C-string truncation
  auto empty = HashPassword("", kFast);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(VerifyPassword(*empty, ""));
  EXPECT_FALSE(VerifyPassword(*empty, " "));
}

TEST(PasswordHash, DefaultParametersMatchOwaspMinimum) {
  Argon2Params defaults;
  EXPECT_EQ(defaults.memory_kib, 19456u);
  EXPECT_EQ(defaults.iterations, 2u);
  auto hash = HashPassword("Tr0ub4dor&3x", defaults);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "Tr0ub4dor&3x"));
  EXPECT_FALSE(NeedsRehash(*hash, defaults));
}

TEST(PasswordHash, RejectsParametersOutOfRange) {
  EXPECT_FALSE(HashPassword("x", Argon2Params{64, 0}).ok());
  EXPECT_FALSE(HashPassword("x", Argon2Params{4, 1}).ok());
  auto r = HashPassword("x", Argon2Params{0, 0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
}

TEST(PasswordHash, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", ""));
  EXPECT_FALSE(VerifyPassword("password", "password"));
  EXPECT_FALSE(VerifyPassword("$argon2id$", "password"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$", "password"));
  EXPECT_FALSE(VerifyPassword(std::string(kReferenceM256) + std::string(1, '\0'), "password"));
  EXPECT_FALSE(VerifyPassword(std::string(500, 'a'), "password"));
  // bcrypt and argon2i strings are not ours even when they are valid.
  EXPECT_FALSE(VerifyPassword("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
                              "password"));
  char argon2i[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(argon2i, "password", 8, 3, 8192, crypto_pwhash_ALG_ARGON2I13),
            0);
  ASSERT_EQ(crypto_pwhash_str_verify(argon2i, "password", 8), 0);  // valid for libsodium
  EXPECT_FALSE(VerifyPassword(argon2i, "password"));
  EXPECT_TRUE(NeedsRehash(argon2i, Argon2Params{8, 3}));
}

TEST(PasswordHash, NeedsRehashComparesAlgorithmAndCost) {
  auto hash = HashPassword("pw", kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(NeedsRehash(*hash, kFast));
  EXPECT_TRUE(NeedsRehash(*hash, Argon2Params{128, 1}));  // more memory
  EXPECT_TRUE(NeedsRehash(*hash, Argon2Params{64, 2}));   // more passes
  EXPECT_TRUE(NeedsRehash(*hash, Argon2Params{32, 1}));   // lower is a change too
  EXPECT_FALSE(NeedsRehash(kReferenceM256, Argon2Params{256, 2}));
  EXPECT_TRUE(NeedsRehash("", kFast));
  EXPECT_TRUE(NeedsRehash("garbage", kFast));
  EXPECT_TRUE(NeedsRehash(*hash, Argon2Params{0, 0}));
}

}  // namespace
}  // namespace mamori::auth

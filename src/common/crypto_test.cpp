#include "common/crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace mamori::crypto {
namespace {

std::string Unhex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.has_value()) << hex;
  return bytes.value_or("");
}

TEST(CryptoRandom, BytesHaveRequestedLengthAndDiffer) {
  EXPECT_EQ(RandomBytes(0).size(), 0u);
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(64).size(), 64u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

TEST(CryptoRandom, TokenIsUrlSafeUnpaddedAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string token = RandomToken();
    EXPECT_EQ(token.size(), 43u);  // ceil(32 * 4 / 3) without padding
    EXPECT_EQ(token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_TRUE(seen.insert(token).second);
    auto raw = Base64UrlDecode(token);
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->size(), 32u);
  }
  EXPECT_EQ(RandomToken(16).size(), 22u);
}

TEST(CryptoEncoding, HexKnownAnswersAndRoundTrip) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(HexDecode("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(HexDecode(""), std::string());
  EXPECT_FALSE(HexDecode("abc").has_value());   // odd length
  EXPECT_FALSE(HexDecode("zz").has_value());    // not hex
  EXPECT_FALSE(HexDecode("00 1").has_value());  // whitespace is not skipped
  EXPECT_FALSE(HexDecode("0g").has_value());
  for (int i = 0; i < 50; ++i) {
    std::string data = RandomBytes(static_cast<size_t>(i));
    EXPECT_EQ(HexDecode(HexEncode(data)), data);
  }
}

TEST(CryptoEncoding, Base64Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::string(plain));
  }
  EXPECT_FALSE(Base64Decode("Zg").has_value());     // padding required
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());  // bad character
  EXPECT_FALSE(Base64Decode("Zm 9v").has_value());  // no whitespace
  EXPECT_FALSE(Base64Decode("Zm8=Zm8=").has_value());  // data after padding
}

TEST(CryptoEncoding, Base64UrlUsesUrlAlphabetWithoutPadding) {
  std::string data("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(data), "+/+/");
  EXPECT_EQ(Base64UrlEncode(data), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlDecode("-_-_"), data);
  EXPECT_EQ(Base64UrlDecode("Zg"), std::string("f"));
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value());
  EXPECT_FALSE(Base64UrlDecode("+/+/").has_value());
  for (int i = 0; i < 50; ++i) {
    std::string bytes = RandomBytes(static_cast<size_t>(i));
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes);
  }
}

TEST(CryptoSha256, KnownAnswers) {
  // FIPS 180-2 appendix B.1 and B.2, and the empty message.
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256("abc").size(), kSha256Size);
  EXPECT_EQ(Sha256("abc"),
            Unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST(CryptoSha256, MillionAs) {
  // FIPS 180-2 appendix B.3, fed in uneven pieces to exercise streaming.
  Sha256Hasher hasher;
  std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    size_t n = std::min(left, chunk.size());
    hasher.Update(std::string_view(chunk).substr(0, n));
    left -= n;
  }
  EXPECT_EQ(HexEncode(hasher.Final()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(CryptoSha256, HasherIsReusableAfterFinalAndReset) {
  Sha256Hasher hasher;
  hasher.Update("a");
  hasher.Update("bc");
  EXPECT_EQ(hasher.Final(), Sha256("abc"));
  // Nothing of the previous message may leak into the next.
  EXPECT_EQ(HexEncode(hasher.Final()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  hasher.Update("garbage");
  hasher.Reset();
  hasher.Update("abc");
  unsigned char out[kSha256Size];
  hasher.Final(out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), sizeof out), Sha256("abc"));
  for (int i = 0; i < 1000; ++i) {
    std::string msg = std::to_string(i);
    hasher.Update(msg);
    ASSERT_EQ(hasher.Final(), Sha256(msg));
  }
}

TEST(CryptoHmac, Rfc2202HmacSha1Vectors) {
  EXPECT_EQ(HexEncode(HmacSha1(std::string(20, '\x0b'), "Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(HexEncode(HmacSha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(HexEncode(HmacSha1(std::string(20, '\xaa'), std::string(50, '\xdd'))),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  // Test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(HexEncode(HmacSha1(std::string(80, '\xaa'),
                               "Test Using Larger Than Block-Size Key - Hash Key First")),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

TEST(CryptoHmac, Rfc4231HmacSha256Vectors) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Empty key and data are legal; the value is fixed by the definition.
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(CryptoCompare, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("", ""));
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_TRUE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(CryptoAesGcm, NistKnownAnswer) {
  // McGrew & Viega GCM spec test cases 13 and 14: AES-256, zero key and zero IV.
  std::string key(32, '\0');
  std::string nonce(12, '\0');
  auto empty = OpenAesGcm(key, nonce + Unhex("530f8afbc74536b9a963b4f1c4cb738b"), "");
  ASSERT_TRUE(empty.ok()) << empty.error().detail;
  EXPECT_EQ(*empty, "");
  auto zeros = OpenAesGcm(
      key, nonce + Unhex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"), "");
  ASSERT_TRUE(zeros.ok()) << zeros.error().detail;
  EXPECT_EQ(*zeros, std::string(16, '\0'));
}

TEST(CryptoAesGcm, RoundTripLayoutAndFreshNonces) {
  std::string key = RandomBytes(kAesKeySize);
  for (size_t len : {0u, 1u, 15u, 16u, 17u, 1000u}) {
    std::string plain = RandomBytes(len);
    auto sealed = SealAesGcm(key, plain, "users.mfa_secret:42");
    ASSERT_TRUE(sealed.ok()) << sealed.error().detail;
    EXPECT_EQ(sealed->size(), kGcmNonceSize + len + kGcmTagSize);
    auto opened = OpenAesGcm(key, *sealed, "users.mfa_secret:42");
    ASSERT_TRUE(opened.ok()) << opened.error().detail;
    EXPECT_EQ(*opened, plain);
  }
  auto a = SealAesGcm(key, "same", "");
  auto b = SealAesGcm(key, "same", "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->substr(0, kGcmNonceSize), b->substr(0, kGcmNonceSize));
  EXPECT_NE(*a, *b);
}

TEST(CryptoAesGcm, EveryTamperIsDetected) {
  std::string key = RandomBytes(kAesKeySize);
  auto sealed = SealAesGcm(key, "個人番号 1234-5678", "row:7");
  ASSERT_TRUE(sealed.ok());
  // Flip one bit in every position: nonce, ciphertext and tag.
  for (size_t i = 0; i < sealed->size(); ++i) {
    std::string bad = *sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    auto opened = OpenAesGcm(key, bad, "row:7");
    EXPECT_FALSE(opened.ok()) << "byte " << i;
    if (!opened.ok()) {
      EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
    }
  }
  EXPECT_FALSE(OpenAesGcm(key, *sealed, "row:8").ok());   // wrong aad
  EXPECT_FALSE(OpenAesGcm(key, *sealed, "").ok());        // missing aad
  EXPECT_FALSE(OpenAesGcm(RandomBytes(32), *sealed, "row:7").ok());  // wrong key
  EXPECT_FALSE(OpenAesGcm(key, sealed->substr(0, sealed->size() - 1), "row:7").ok());
  EXPECT_FALSE(OpenAesGcm(key, *sealed + "x", "row:7").ok());
  EXPECT_FALSE(OpenAesGcm(key, sealed->substr(0, 27), "row:7").ok());  // shorter than nonce+tag
  EXPECT_FALSE(OpenAesGcm(key, "", "row:7").ok());
  EXPECT_TRUE(OpenAesGcm(key, *sealed, "row:7").ok());
}

TEST(CryptoAesGcm, RejectsWrongKeySize) {
  EXPECT_FALSE(SealAesGcm(std::string(16, 'k'), "x", "").ok());
  EXPECT_FALSE(SealAesGcm(std::string(33, 'k'), "x", "").ok());
  EXPECT_FALSE(OpenAesGcm(std::string(31, 'k'), std::string(40, 'x'), "").ok());
}

TEST(CryptoEcdsa, SignAndVerify) {
  auto pair = GenerateEcP256();
  ASSERT_TRUE(pair.ok()) << pair.error().detail;
  EXPECT_EQ(pair->private_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(pair->public_pem.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);

  auto sig = SignEcdsaSha256(pair->private_pem, "checkpoint 1000 abcdef");
  ASSERT_TRUE(sig.ok()) << sig.error().detail;
  // DER SEQUENCE of two INTEGERs of at most 33 bytes each.
  EXPECT_EQ(static_cast<unsigned char>((*sig)[0]), 0x30);
  EXPECT_LE(sig->size(), 72u);
  EXPECT_TRUE(VerifyEcdsaSha256(pair->public_pem, "checkpoint 1000 abcdef", *sig));

  EXPECT_FALSE(VerifyEcdsaSha256(pair->public_pem, "checkpoint 1000 abcdeg", *sig));
  EXPECT_FALSE(VerifyEcdsaSha256(pair->public_pem, "", *sig));
  std::string bad = *sig;
  bad[bad.size() - 1] = static_cast<char>(bad.back() ^ 0x01);
  EXPECT_FALSE(VerifyEcdsaSha256(pair->public_pem, "checkpoint 1000 abcdef", bad));
  EXPECT_FALSE(VerifyEcdsaSha256(pair->public_pem, "checkpoint 1000 abcdef", ""));
  EXPECT_FALSE(VerifyEcdsaSha256(pair->public_pem, "checkpoint 1000 abcdef", "garbage"));

  auto other = GenerateEcP256();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(VerifyEcdsaSha256(other->public_pem, "checkpoint 1000 abcdef", *sig));
  EXPECT_FALSE(VerifyEcdsaSha256("not a key", "checkpoint 1000 abcdef", *sig));
  // The private PEM is not a public key.
  EXPECT_FALSE(VerifyEcdsaSha256(pair->private_pem, "checkpoint 1000 abcdef", *sig));
}

TEST(CryptoEcdsa, SignaturesAreRandomizedButAllVerify) {
  auto pair = GenerateEcP256();
  ASSERT_TRUE(pair.ok());
  auto a = SignEcdsaSha256(pair->private_pem, "m");
  auto b = SignEcdsaSha256(pair->private_pem, "m");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyEcdsaSha256(pair->public_pem, "m", *a));
  EXPECT_TRUE(VerifyEcdsaSha256(pair->public_pem, "m", *b));
}

std::string PemOf(EVP_PKEY* pkey, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (private_key) {
    PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio, pkey);
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

TEST(CryptoEcdsa, RejectsKeysThatAreNotP256) {
  EXPECT_FALSE(SignEcdsaSha256("", "m").ok());
  EXPECT_FALSE(SignEcdsaSha256("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                               "m")
                   .ok());
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  EXPECT_FALSE(SignEcdsaSha256(PemOf(p384, true), "m").ok());
  // A valid P-384 signature must still be refused by the P-256 verifier.
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, p384, nullptr), 1);
  unsigned char sig[200];
  size_t sig_len = sizeof sig;
  ASSERT_EQ(EVP_DigestSign(ctx, sig, &sig_len, reinterpret_cast<const unsigned char*>("m"), 1), 1);
  EVP_MD_CTX_free(ctx);
  EXPECT_FALSE(VerifyEcdsaSha256(PemOf(p384, false), "m",
                                 std::string(reinterpret_cast<char*>(sig), sig_len)));
  EVP_PKEY_free(p384);
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() / ("mamori-crypto-" + HexEncode(RandomBytes(8)));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const char* name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(CryptoTls, SelfSignedCertificateIsWrittenAndParseable) {
  TempDir dir;
  std::string key_path = dir.File("tls.key");
  std::string cert_path = dir.File("tls.crt");
  Status st = WriteSelfSignedCertificate(key_path, cert_path, "mamori.example.lg.jp", 30);
  ASSERT_TRUE(st.ok()) << st.error().detail;

  struct stat key_stat {};
  ASSERT_EQ(::stat(key_path.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  // No temporary files are left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2u);

  FILE* cf = std::fopen(cert_path.c_str(), "r");
  ASSERT_NE(cf, nullptr);
  X509* cert = PEM_read_X509(cf, nullptr, nullptr, nullptr);
  std::fclose(cf);
  ASSERT_NE(cert, nullptr);
  FILE* kf = std::fopen(key_path.c_str(), "r");
  ASSERT_NE(kf, nullptr);
  EVP_PKEY* key = PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr);
  std::fclose(kf);
  ASSERT_NE(key, nullptr);

  EXPECT_EQ(X509_get_version(cert), 2);  // v3
  EXPECT_TRUE(EVP_PKEY_is_a(key, "EC"));
  EXPECT_EQ(X509_check_private_key(cert, key), 1);
  EVP_PKEY* pub = X509_get0_pubkey(cert);
  EXPECT_EQ(X509_verify(cert, pub), 1);  // self-signed
  EXPECT_EQ(X509_get_signature_nid(cert), NID_ecdsa_with_SHA256);

  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "mamori.example.lg.jp");
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)), 0);

  EXPECT_EQ(X509_check_host(cert, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EXPECT_NE(X509_check_host(cert, "evil.example", 0, 0, nullptr), 1);

  // Valid now, and not after 31 days.
  EXPECT_LE(X509_cmp_current_time(X509_get0_notBefore(cert)), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(cert)), 0);
  time_t in31 = time(nullptr) + 31 * 86400;
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(cert), &in31), 0);

  X509_free(cert);
  EVP_PKEY_free(key);
}

TEST(CryptoTls, OverwritesExistingFilesAndFixesKeyMode) {
  TempDir dir;
  std::string key_path = dir.File("tls.key");
  std::string cert_path = dir.File("tls.crt");
  { std::ofstream(key_path) << "old"; }
  ::chmod(key_path.c_str(), 0644);
  ASSERT_TRUE(WriteSelfSignedCertificate(key_path, cert_path, "localhost", 1).ok());
  struct stat key_stat {};
  ASSERT_EQ(::stat(key_path.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
  std::ifstream in(key_path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
}

TEST(CryptoTls, FailsCleanly) {
  TempDir dir;
  EXPECT_FALSE(WriteSelfSignedCertificate(dir.File("k"), dir.File("c"), "localhost", 0).ok());
  EXPECT_FALSE(WriteSelfSignedCertificate(dir.File("k"), dir.File("c"), "", 10).ok());
  Status st = WriteSelfSignedCertificate(dir.File("missing/k"), dir.File("missing/c"), "x", 1);
  EXPECT_FALSE(st.ok());
  if (!st.ok()) {
    EXPECT_EQ(st.error().code, ErrorCode::kInternal);
  }
}

}  // namespace
}  // namespace mamori::crypto

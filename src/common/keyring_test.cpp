#include "common/keyring.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.hpp"

namespace mamori::crypto {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/mamori-keyring-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(KeyRing, ASealedValueOpensOnlyInItsOwnPlace) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add("k1", RandomBytes(32), true).ok());
  auto sealed = ring.Seal("機密の名称", "asset:a1:name");
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(IsSealed(*sealed));
  EXPECT_EQ(SealedKeyId(*sealed), "k1");
  EXPECT_EQ(sealed->find("機密"), std::string::npos) << "no plaintext in the sealed form";
  EXPECT_EQ(*ring.Open(*sealed, "asset:a1:name"), "機密の名称");
  // Moved to another row or another field, it no longer opens.
  EXPECT_FALSE(ring.Open(*sealed, "asset:a2:name").ok());
  EXPECT_FALSE(ring.Open(*sealed, "asset:a1:location").ok());
}

TEST(KeyRing, TheSameValueSealsDifferentlyEachTime) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add("k1", RandomBytes(32), true).ok());
  EXPECT_NE(*ring.Seal("同じ", "p"), *ring.Seal("同じ", "p")) << "a fresh nonce: equal values are not linkable";
}

TEST(KeyRing, OldKeysStillOpenAfterANewCurrentKey) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add("k1", RandomBytes(32), true).ok());
  const std::string old = *ring.Seal("古い値", "p");
  ASSERT_TRUE(ring.Add("k2", RandomBytes(32), true).ok());
  const std::string fresh = *ring.Seal("新しい値", "p");
  EXPECT_EQ(SealedKeyId(fresh), "k2");
  EXPECT_EQ(*ring.Open(old, "p"), "古い値");
  EXPECT_EQ(*ring.Open(fresh, "p"), "新しい値");
}

TEST(KeyRing, AnUnknownKeyIsNotFoundAndAFlippedBitIsRefused) {
  KeyRing a, b;
  ASSERT_TRUE(a.Add("k1", RandomBytes(32), true).ok());
  ASSERT_TRUE(b.Add("k9", RandomBytes(32), true).ok());
  std::string sealed = *a.Seal("値", "p");
  auto other = b.Open(sealed, "p");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'A' ? 'B' : 'A';
  auto bad = a.Open(sealed, "p");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
}

TEST(KeyRing, PlainTextIsNeverTakenForSealed) {
  EXPECT_FALSE(IsSealed("s1:k1:AAAA"));
  EXPECT_FALSE(IsSealed(""));
  EXPECT_TRUE(IsSealed(std::string(kSealedPrefix) + "k1:AAAA"));
  KeyRing ring;
  ASSERT_TRUE(ring.Add("k1", RandomBytes(32), true).ok());
  EXPECT_FALSE(ring.Open(std::string(kSealedPrefix) + "damaged", "p").ok());
}

TEST(FileMasterKey, WrapsBoundToTheKeyIdAndRefusesAnotherMaster) {
  const std::string dir = TempDir();
  ASSERT_TRUE(FileMasterKey::Generate(dir + "/master.key").ok());
  EXPECT_FALSE(FileMasterKey::Generate(dir + "/master.key").ok()) << "never overwrites a master key";
  EXPECT_EQ(std::filesystem::status(dir + "/master.key").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto m = FileMasterKey::Load(dir + "/master.key");
  ASSERT_TRUE(m.ok());
  const std::string dk = RandomBytes(32);
  auto wrapped = (*m)->Wrap("k1", dk);
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(wrapped->find(dk), std::string::npos);
  EXPECT_EQ(*(*m)->Unwrap("k1", *wrapped), dk);
  EXPECT_FALSE((*m)->Unwrap("k2", *wrapped).ok()) << "a wrapping cannot be passed off as another key's";
  auto other = FileMasterKey::FromBytes(RandomBytes(32));
  EXPECT_FALSE(other->Unwrap("k1", *wrapped).ok());
  EXPECT_NE(other->id(), (*m)->id());
  EXPECT_EQ((*m)->id().rfind("file:", 0), 0u);
  std::filesystem::remove_all(dir);
}

TEST(FileMasterKey, ADamagedKeyFileIsRefusedWithItsPath) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/master.key") << "not a key\n";
  std::filesystem::permissions(dir + "/master.key", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto m = FileMasterKey::Load(dir + "/master.key");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().detail.find(dir + "/master.key"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(FileMasterKey, AKeyFileOthersMayReadIsRefused) {
  const std::string dir = TempDir();
  ASSERT_TRUE(FileMasterKey::Generate(dir + "/master.key").ok());
  std::filesystem::permissions(dir + "/master.key", std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  auto m = FileMasterKey::Load(dir + "/master.key");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().detail.find("chmod 600"), std::string::npos) << m.error().detail;
  std::filesystem::remove_all(dir);
}

TEST(FileMasterKey, ALoadedKeyFollowsItsFileAfterARotation) {
  const std::string dir = TempDir();
  ASSERT_TRUE(FileMasterKey::Generate(dir + "/master.key").ok());
  auto running = FileMasterKey::Load(dir + "/master.key");
  ASSERT_TRUE(running.ok());
  // Another process rotates: a new file in place, a data key wrapped under it.
  std::filesystem::remove(dir + "/master.key");
  ASSERT_TRUE(FileMasterKey::Generate(dir + "/master.key").ok());
  auto next = FileMasterKey::Load(dir + "/master.key");
  const std::string dk = RandomBytes(32);
  const std::string wrapped = *(*next)->Wrap("k7", dk);
  EXPECT_EQ(*(*running)->Unwrap("k7", wrapped), dk);
  std::filesystem::remove_all(dir);
}

TEST(CommandMasterKey, WrapsAndUnwrapsThroughTheCommand) {
  const std::string dir = TempDir();
  // A stand-in KMS: AES-256-CBC under a key file it alone reads (openssl enc), base64 in/out.
  const std::string kek = dir + "/kek";
  std::ofstream(kek) << HexEncode(RandomBytes(32));
  const std::string script = dir + "/kms";
  std::ofstream(script) << "#!/bin/sh\n"
                           "set -e\n"
                           "case \"$1\" in\n"
                           "  wrap) base64 -d | openssl enc -aes-256-cbc -pbkdf2 -pass file:" + kek + " | base64 -w0 ;;\n"
                           "  unwrap) base64 -d | openssl enc -d -aes-256-cbc -pbkdf2 -pass file:" + kek + " | base64 -w0 ;;\n"
                           "  *) exit 2 ;;\n"
                           "esac\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  CommandMasterKey kms(script);
  const std::string dk = RandomBytes(32);
  auto wrapped = kms.Wrap("k1", dk);
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().detail;
  EXPECT_EQ(*kms.Unwrap("k1", *wrapped), dk);
  EXPECT_EQ(kms.id(), "kms");
  CommandMasterKey broken("/bin/false");
  auto refused = broken.Wrap("k1", dk);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().detail.find("KMS"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mamori::crypto

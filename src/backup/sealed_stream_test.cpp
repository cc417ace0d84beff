#include "backup/sealed_stream.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crypto.hpp"

namespace mamori::backup {
namespace {

namespace fs = std::filesystem;

class SealedStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sealed-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    key_ = crypto::RandomBytes(32);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `plain` as a container with small chunks; returns the file's bytes.
  std::string Seal(const std::string& name, const std::string& plain, uint32_t chunk = 64) {
    auto w = SealedWriter::Create(dir_ + "/" + name, key_, chunk);
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->Write(plain).ok());
    EXPECT_TRUE((*w)->Finish().ok());
    return Slurp(dir_ + "/" + name);
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string Put(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
    return dir_ + "/" + name;
  }
  // Reads the whole container; the plaintext, or the error's code.
  std::pair<std::string, std::string> ReadAll(const std::string& path, const std::string& key) {
    auto r = SealedReader::Open(path, key);
    if (!r.ok()) return {"", r.error().fields.empty() ? "?" : r.error().fields[0].code};
    std::string out, chunk;
    for (;;) {
      auto more = (*r)->Next(chunk);
      if (!more.ok()) return {out, more.error().fields.empty() ? "?" : more.error().fields[0].code};
      if (!*more) return {out, ""};
      out += chunk;
    }
  }

  std::string dir_, key_;
};

const std::string kPlain = [] {
  std::string s;
  for (int i = 0; i < 1000; ++i) s += "line " + std::to_string(i) + " 情報資産\n";
  return s;
}();

TEST_F(SealedStreamTest, ARoundTripGivesBackEveryByte) {
  Seal("a.mbk", kPlain);
  auto [out, err] = ReadAll(dir_ + "/a.mbk", key_);
  EXPECT_EQ(err, "");
  EXPECT_EQ(out, kPlain);
}

TEST_F(SealedStreamTest, AnEmptyPayloadIsStillOneAuthenticatedLastChunk) {
  const std::string bytes = Seal("e.mbk", "");
  EXPECT_EQ(bytes.size(), kHeaderSize + 4 + crypto::kGcmNonceSize + crypto::kGcmTagSize);
  auto [out, err] = ReadAll(dir_ + "/e.mbk", key_);
  EXPECT_EQ(err, "");
  EXPECT_EQ(out, "");
}

TEST_F(SealedStreamTest, ThePlaintextAppearsNowhereInTheFile) {
  const std::string bytes = Seal("p.mbk", kPlain);
  EXPECT_EQ(bytes.find("情報資産"), std::string::npos);
  EXPECT_EQ(bytes.find("line 1"), std::string::npos);
}

TEST_F(SealedStreamTest, AWrongKeyIsNamedAsSuchBeforeAnyChunkIsRead) {
  Seal("w.mbk", kPlain);
  auto [out, err] = ReadAll(dir_ + "/w.mbk", crypto::RandomBytes(32));
  EXPECT_EQ(err, "wrong_key");
  EXPECT_EQ(out, "");
}

TEST_F(SealedStreamTest, AFileCutAtAChunkBoundaryIsTruncatedNotComplete) {
  const std::string bytes = Seal("t.mbk", kPlain);
  const size_t one_chunk = 4 + crypto::kGcmNonceSize + 64 + crypto::kGcmTagSize;
  for (size_t chunks : {size_t{0}, size_t{1}, size_t{5}}) {
    auto [out, err] = ReadAll(Put("cut.mbk", bytes.substr(0, kHeaderSize + chunks * one_chunk)), key_);
    EXPECT_EQ(err, "truncated") << chunks << " chunks";
    EXPECT_EQ(out.size(), chunks * 64);
  }
}

TEST_F(SealedStreamTest, AFileCutInsideAChunkOrItsHeaderIsTruncated) {
  const std::string bytes = Seal("t.mbk", kPlain);
  EXPECT_EQ(ReadAll(Put("c1.mbk", bytes.substr(0, bytes.size() - 1)), key_).second, "truncated");
  EXPECT_EQ(ReadAll(Put("c2.mbk", bytes.substr(0, 50)), key_).second, "truncated");
}

TEST_F(SealedStreamTest, EveryFlippedByteIsRefused) {
  const std::string bytes = Seal("f.mbk", kPlain.substr(0, 300));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    const auto err = ReadAll(Put("flip.mbk", bad), key_).second;
    EXPECT_NE(err, "") << "byte " << i << " flipped was accepted";
  }
}

TEST_F(SealedStreamTest, SwappedChunksAreRefused) {
  const std::string bytes = Seal("s.mbk", kPlain);
  const size_t one_chunk = 4 + crypto::kGcmNonceSize + 64 + crypto::kGcmTagSize;
  std::string swapped = bytes;
  const size_t a = kHeaderSize + one_chunk, b = kHeaderSize + 2 * one_chunk;
  std::swap_ranges(swapped.begin() + a, swapped.begin() + a + one_chunk, swapped.begin() + b);
  auto [out, err] = ReadAll(Put("sw.mbk", swapped), key_);
  EXPECT_EQ(err, "corrupt");
  EXPECT_EQ(out.size(), 64u);  // only the first chunk, which is genuine
}

TEST_F(SealedStreamTest, BytesAfterTheLastChunkAreRefused) {
  const std::string bytes = Seal("x.mbk", kPlain);
  EXPECT_EQ(ReadAll(Put("extra.mbk", bytes + "x"), key_).second, "corrupt");
}

TEST_F(SealedStreamTest, AChunkFromAnotherBackupWithTheSameKeyIsRefused) {
  const std::string a = Seal("a.mbk", kPlain);
  const std::string b = Seal("b.mbk", kPlain);
  std::string mixed = a.substr(0, kHeaderSize) + b.substr(kHeaderSize);
  EXPECT_EQ(ReadAll(Put("mixed.mbk", mixed), key_).second, "corrupt");
}

TEST_F(SealedStreamTest, AFileThatIsNoBackupIsNamedAsSuch) {
  EXPECT_EQ(ReadAll(Put("n.txt", "SQLite format 3\0 and more bytes than a header has..........................."), key_).second,
            "not_a_backup");
}

TEST_F(SealedStreamTest, TheWriterRefusesToOverwriteAFile) {
  Put("exists.mbk", "old");
  EXPECT_FALSE(SealedWriter::Create(dir_ + "/exists.mbk", key_).ok());
  EXPECT_EQ(Slurp(dir_ + "/exists.mbk"), "old");
}

TEST_F(SealedStreamTest, AKeyFileIsCreatedOwnerOnlyOnceAndLoadsBack) {
  const std::string path = dir_ + "/backup.key";
  ASSERT_TRUE(CreateKeyFile(path).ok());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  auto k = LoadKey(path);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->size(), 32u);
  EXPECT_FALSE(CreateKeyFile(path).ok());
  EXPECT_EQ(*LoadKey(path), *k);
  EXPECT_FALSE(LoadKey(Put("short.key", "c2hvcnQ=\n")).ok());
}

}  // namespace
}  // namespace mamori::backup

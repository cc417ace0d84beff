#include "backup/sealed_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/crypto.hpp"

namespace mamori::backup {
namespace {

constexpr std::string_view kKeyCheckLabel = "mamori-backup-key-check-v1";

void PutU32(std::string& s, uint32_t v) {
  for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string KeyCheck(std::string_view key, std::string_view file_id) {
  return crypto::HmacSha256(key, std::string(kKeyCheckLabel) + std::string(file_id));
}

Error Bad(const char* code, std::string detail) { return Error::Validation("from", code, std::move(detail)); }

}  // namespace

std::string ChunkAad(std::string_view header, uint64_t index, bool last) {
  std::string aad(header);
  for (int i = 7; i >= 0; --i) aad.push_back(static_cast<char>((index >> (8 * i)) & 0xff));
  aad.push_back(last ? 1 : 0);
  return aad;
}

Result<std::string> LoadKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Validation("key", "unreadable", "バックアップ鍵 " + path + " を読めません");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = crypto::Base64Decode(text);
  if (!key || key->size() != crypto::kAesKeySize)
    return Error::Validation("key", "invalid", "バックアップ鍵 " + path + " は 32 バイトの鍵（base64）ではありません");
  return *key;
}

Status CreateKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Error::Validation("key", "exists", "バックアップ鍵 " + path + " を作れません（既にあるか、書けない場所です）");
  const std::string line = crypto::Base64Encode(crypto::RandomBytes(crypto::kAesKeySize)) + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Error::Internal("cannot write " + path);
  return Ok();
}

// ---- writer ----

Result<std::unique_ptr<SealedWriter>> SealedWriter::Create(const std::string& path, std::string key,
                                                           uint32_t chunk_size) {
  if (key.size() != crypto::kAesKeySize) return Error::Internal("backup key is not 32 bytes");
  if (chunk_size == 0 || chunk_size > kMaxChunkSize) return Error::Internal("bad chunk size");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Error::Validation("to", "exists", path + " を作れません（既にあるか、書けない場所です）");
  std::unique_ptr<SealedWriter> w(new SealedWriter());
  w->f_ = ::fdopen(fd, "wb");
  if (!w->f_) {
    ::close(fd);
    return Error::Internal("fdopen " + path);
  }
  w->key_ = std::move(key);
  w->chunk_size_ = chunk_size;
  const std::string file_id = crypto::RandomBytes(16);
  w->header_.assign(kMagic, sizeof kMagic);
  PutU32(w->header_, kFormatVersion);
  PutU32(w->header_, chunk_size);
  w->header_ += file_id;
  w->header_ += KeyCheck(w->key_, file_id);
  if (std::fwrite(w->header_.data(), 1, w->header_.size(), w->f_) != w->header_.size())
    return Error::Internal("cannot write " + path);
  w->written_ = w->header_.size();
  w->buf_.reserve(chunk_size);
  return w;
}

SealedWriter::~SealedWriter() {
  if (f_) std::fclose(f_);
}

Status SealedWriter::SealChunk(bool last) {
  MAMORI_ASSIGN(std::string sealed, crypto::SealAesGcm(key_, buf_, ChunkAad(header_, index_, last)));
  std::string len;
  PutU32(len, static_cast<uint32_t>(sealed.size()));
  if (std::fwrite(len.data(), 1, 4, f_) != 4 || std::fwrite(sealed.data(), 1, sealed.size(), f_) != sealed.size())
    return Error::Internal("cannot write the backup file (disk full?)");
  written_ += 4 + sealed.size();
  ++index_;
  buf_.clear();
  return Ok();
}

Status SealedWriter::Write(std::string_view data) {
  while (!data.empty()) {
    const size_t n = std::min(data.size(), chunk_size_ - buf_.size());
    buf_.append(data.data(), n);
    data.remove_prefix(n);
    if (buf_.size() == chunk_size_) MAMORI_TRY(SealChunk(false));
  }
  return Ok();
}

Status SealedWriter::Finish() {
  MAMORI_TRY(SealChunk(true));
  const bool ok = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok || !closed) return Error::Internal("cannot write the backup file (disk full?)");
  return Ok();
}

// ---- reader ----

Result<std::unique_ptr<SealedReader>> SealedReader::Open(const std::string& path, std::string key) {
  std::unique_ptr<SealedReader> r(new SealedReader());
  r->f_ = std::fopen(path.c_str(), "rb");
  if (!r->f_) return Error::Validation("from", "unreadable", "バックアップファイル " + path + " を読めません");
  r->key_ = std::move(key);
  r->header_.resize(kHeaderSize);
  const size_t got = std::fread(r->header_.data(), 1, kHeaderSize, r->f_);
  if (got < sizeof kMagic || std::memcmp(r->header_.data(), kMagic, sizeof kMagic) != 0)
    return Bad("not_a_backup", path + " は mamori のバックアップファイルではありません（先頭の識別子が違います）");
  if (got < kHeaderSize) return Bad("truncated", "バックアップファイルが途中で切れています（ヘッダーが不完全です）");
  const auto* p = reinterpret_cast<const unsigned char*>(r->header_.data());
  if (GetU32(p + 16) != kFormatVersion)
    return Bad("unsupported_version", "この mamori が読めない形式のバックアップです（形式 " + std::to_string(GetU32(p + 16)) + "）");
  r->chunk_size_ = GetU32(p + 20);
  if (r->chunk_size_ == 0 || r->chunk_size_ > kMaxChunkSize)
    return Bad("corrupt", "バックアップファイルが壊れているか改ざんされています（ヘッダー）");
  const std::string_view file_id(r->header_.data() + 24, 16);
  const std::string_view check(r->header_.data() + 40, 32);
  if (!crypto::ConstantTimeEqual(check, KeyCheck(r->key_, file_id)))
    return Bad("wrong_key", "鍵が違います。このバックアップは別のバックアップ鍵で暗号化されています（何も書き込んでいません）");
  return r;
}

SealedReader::~SealedReader() {
  if (f_) std::fclose(f_);
}

Result<bool> SealedReader::Next(std::string& out) {
  if (done_) return false;
  const std::string where = "第 " + std::to_string(index_ + 1) + " チャンク";
  unsigned char len_bytes[4];
  const size_t got = std::fread(len_bytes, 1, 4, f_);
  if (got == 0 && std::feof(f_))
    return Bad("truncated", "バックアップファイルが途中で切れています（" + where + "以降がありません）");
  if (got < 4) return Bad("truncated", "バックアップファイルが途中で切れています（" + where + "）");
  const uint32_t len = GetU32(len_bytes);
  const size_t overhead = crypto::kGcmNonceSize + crypto::kGcmTagSize;
  if (len < overhead || len > chunk_size_ + overhead)
    return Bad("corrupt", "バックアップファイルが壊れているか改ざんされています（" + where + "の長さ）");
  std::string sealed(len, '\0');
  if (std::fread(sealed.data(), 1, len, f_) != len)
    return Bad("truncated", "バックアップファイルが途中で切れています（" + where + "）");
  // A chunk is either an inner one or the last; try the inner reading first.
  auto inner = crypto::OpenAesGcm(key_, sealed, ChunkAad(header_, index_, false));
  if (inner.ok()) {
    out = std::move(*inner);
    ++index_;
    return true;
  }
  auto last = crypto::OpenAesGcm(key_, sealed, ChunkAad(header_, index_, true));
  if (!last.ok())
    return Bad("corrupt", "バックアップファイルが壊れているか改ざんされています（" + where + "の認証に失敗しました）");
  char extra;
  if (std::fread(&extra, 1, 1, f_) != 0)
    return Bad("corrupt", "バックアップファイルの最後のチャンクの後に余分なデータがあります（改ざんの疑い）");
  out = std::move(*last);
  ++index_;
  done_ = true;
  return true;
}

}  // namespace mamori::backup

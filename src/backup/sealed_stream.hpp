// The encrypted container of a mamori backup: a fixed header, then the plaintext cut into
// chunks, each sealed on its own with AES-256-GCM (OpenSSL EVP, common/crypto) under the
// operator's backup key. Each chunk's associated data is the header, the chunk's index and
// whether it is the last, so a reader refuses — before it has handed out a byte of the damaged
// part — a chunk that was altered, moved, dropped, duplicated or cut off, a file whose last
// chunk is missing (truncation), and any byte after the last chunk. A key check value in the
// header tells a wrong key from a damaged file. docs/backup.md gives the byte layout.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mamori::backup {

inline constexpr char kMagic[16] = {'M', 'A', 'M', 'O', 'R', 'I', '-', 'B', 'A', 'C', 'K', 'U', 'P', 0, 0, 0};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = 16 + 4 + 4 + 16 + 32;  // magic, version, chunk size, file id, key check
inline constexpr uint32_t kDefaultChunkSize = 1u << 20;      // 1 MiB of plaintext per chunk
inline constexpr uint32_t kMaxChunkSize = 64u << 20;

// A backup key file holds 32 random bytes as base64 on one line (mode 0600).
Result<std::string> LoadKey(const std::string& path);
// Creates a new key file (refuses an existing one), owner-only from the first byte.
Status CreateKeyFile(const std::string& path);

// Writes `path` (created; an existing file is refused). Nothing is readable as a backup until
// Finish() has written the last chunk and synced the file.
class SealedWriter {
 public:
  static Result<std::unique_ptr<SealedWriter>> Create(const std::string& path, std::string key,
                                                      uint32_t chunk_size = kDefaultChunkSize);
  ~SealedWriter();
  Status Write(std::string_view data);
  // Seals the last chunk, fsyncs and closes.
  Status Finish();
  uint64_t bytes_written() const { return written_; }

 private:
  SealedWriter() = default;
  Status SealChunk(bool last);
  std::FILE* f_ = nullptr;
  std::string key_, header_, buf_;
  uint32_t chunk_size_ = kDefaultChunkSize;
  uint64_t index_ = 0, written_ = 0;
};

// Reads and authenticates a container chunk by chunk. Every error is a Validation error on
// field "from" with code not_a_backup, unsupported_version, wrong_key, corrupt or truncated
// and a Japanese message naming the chunk.
class SealedReader {
 public:
  static Result<std::unique_ptr<SealedReader>> Open(const std::string& path, std::string key);
  ~SealedReader();
  // The next chunk's plaintext into `out`; false after the last chunk (having checked that
  // nothing follows it).
  Result<bool> Next(std::string& out);

 private:
  SealedReader() = default;
  std::FILE* f_ = nullptr;
  std::string key_, header_;
  uint32_t chunk_size_ = 0;
  uint64_t index_ = 0;
  bool done_ = false;
};

// Associated data of chunk `index`: header || index (8 bytes big-endian) || last (1 byte).
std::string ChunkAad(std::string_view header, uint64_t index, bool last);

}  // namespace mamori::backup

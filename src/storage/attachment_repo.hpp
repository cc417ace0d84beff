// Files attached to register records (docs/registers.md, "Attachments"), as stored: one row per
// file, its name and content sealed by the caller (domain/register_attachments), its size, media
// type and SHA-256 plain. Rows are inserted and, once, marked withdrawn; nothing else changes
// them and nothing deletes them (an attachment is evidence).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/repos.hpp"

namespace mamori::storage {

struct AttachmentRecord {
  std::string id{};
  std::string register_id{};
  std::string record_id{};
  std::string file_name{};  // sealed text as stored
  std::string media_type{};
  int64_t size_bytes = 0;
  std::string sha256{};  // lower-case hex of the plain content
  std::string content{};  // sealed text as stored; empty when listed without content
  std::string created_by{};
  int64_t created_at = 0;
  int64_t withdrawn_at = 0;  // 0 = not withdrawn
  std::string withdrawn_by{};
  std::string withdrawn_note{};
};

class AttachmentRepo {
 public:
  explicit AttachmentRepo(Connection& c) : c_(c) {}
  Status Insert(const AttachmentRecord& a);
  // One attachment of one record, with its content; none when it belongs to another record.
  Result<std::optional<AttachmentRecord>> Get(const std::string& register_id, const std::string& record_id,
                                              const std::string& id);
  // A record's attachments, oldest first, without their content.
  Result<std::vector<AttachmentRecord>> ListForRecord(const std::string& register_id, const std::string& record_id);
  Result<int64_t> CountForRecord(const std::string& register_id, const std::string& record_id);
  // Marks one withdrawn when it is not yet; rows changed (0 or 1).
  Result<int64_t> MarkWithdrawn(const std::string& id, int64_t at, const std::string& by, const std::string& note);

 private:
  Connection& c_;
};

}  // namespace mamori::storage

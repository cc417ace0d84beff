// Attachments on register records (docs/registers.md, "Attachments"): files a register's pack
// key `attachments:` allows, attached to a record by whoever sees it while it is not in a final
// state, stored sealed (docs/sealing.md), read back by whoever sees the record (404 otherwise),
// never edited or deleted — a mistaken one is marked withdrawn with a note and kept. Every
// upload, download and withdrawal is an operation-log entry on the record (target
// "<object>:<record id>", so the record's history is its timeline), the upload's carrying the
// file's SHA-256; every refusal is a `denied` entry too. Knows nothing of HTTP or SQL.
#pragma once

#include <string>
#include <vector>

#include "domain/access.hpp"
#include "domain/env.hpp"
#include "domain/refusal_log.hpp"
#include "domain/register_service.hpp"
#include "storage/attachment_repo.hpp"

namespace mamori::domain {

// An attachment as its reader sees it: the stored row (content left out) with its name opened
// and the names of the people who attached and withdrew it.
struct AttachmentView {
  storage::AttachmentRecord row{};  // file_name opened; content empty
  std::string created_by_name{};
  std::string withdrawn_by_name{};
};

// A file read back: its bytes (checked against the recorded SHA-256) and how to serve it.
struct AttachmentFile {
  std::string file_name{};
  std::string media_type{};
  std::string sha256{};
  std::string bytes{};
};

// Checks a file name and content against a register's rules; the 422/413 the upload answers.
// Fields named: `name` (required, too_long, invalid_format, not_allowed: a type the register
// does not take) and `file` (required, too_large with 413, type_mismatch: the bytes are not of
// the type the name says). Returns the file's type.
Result<const policy::AttachmentType*> CheckAttachment(const policy::AttachmentRules& rules,
                                                     const std::string& file_name, const std::string& bytes);

class AttachmentService {
 public:
  AttachmentService(Env& env, RegisterService& registers, RefusalLog& refusals)
      : env_(env), registers_(registers), refusals_(refusals) {}

  // Attaches `bytes` named `file_name` to record `record_id` → 201 the attachment.
  Result<AttachmentView> Add(const Actor& a, const policy::RegisterSpec& r, const std::string& record_id,
                             const std::string& file_name, const std::string& bytes);
  // The record's attachments, oldest first (withdrawn ones included, marked).
  Result<std::vector<AttachmentView>> List(const Actor& a, const policy::RegisterSpec& r, const std::string& record_id);
  // One file's bytes; logged.
  Result<AttachmentFile> Read(const Actor& a, const policy::RegisterSpec& r, const std::string& record_id,
                              const std::string& attachment_id);
  // Marks one withdrawn with a note (required): by whoever attached it or the register's
  // managers over the record. The file stays.
  Result<AttachmentView> Withdraw(const Actor& a, const policy::RegisterSpec& r, const std::string& record_id,
                                  const std::string& attachment_id, const std::string& note);

 private:
  // Puts a refused call on the record (unless the pipeline already does: forbidden on a change).
  void Refused(const Actor& a, const policy::RegisterSpec& r, const std::string& action, const std::string& record_id,
               const Error& why, const std::string& call, bool changing);
  Result<std::vector<AttachmentView>> Views(storage::Connection& c, std::vector<storage::AttachmentRecord> rows) const;

  Env& env_;
  RegisterService& registers_;
  RefusalLog& refusals_;
};

}  // namespace mamori::domain

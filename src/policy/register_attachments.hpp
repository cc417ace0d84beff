// Attachments on register records (docs/registers.md, "Attachments"): which registers take
// files, how large, of which types. A register switches them on with its pack key
// `attachments:`; the engine (domain/register_attachments) stores each file sealed, records its
// SHA-256 in the log entry of the upload, and never edits or deletes one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace mamori::policy {

class Checker;
struct RegisterSpec;

// A file type mamori knows: the file-name extension a pack lists, the media type the file is
// served with, and the leading bytes a file of that type must start with ("" = any: text).
// This is knowledge of file formats, not of any municipality; a pack chooses among them.
struct AttachmentType {
  std::string_view ext;         // lower-case, no dot: "pdf"
  std::string_view media_type;  // "application/pdf"
  std::string_view magic;       // "%PDF-"; "" = not checked
};

// The type of extension `ext` (lower-case), or nullptr when mamori does not know it.
const AttachmentType* FindAttachmentType(std::string_view ext);
// Every known type, for documentation and tests.
const std::vector<AttachmentType>& AttachmentTypes();

struct AttachmentRules {
  int64_t max_bytes = 10 * 1024 * 1024;  // one file at most (413 beyond)
  int max_files = 100;                    // files per record at most, withdrawn ones included
  std::vector<std::string> types;         // allowed extensions, lower-case (each a known type)
  std::string clause;                     // the clause the evidence serves ("" = the register's)

  bool Allows(std::string_view ext) const;
};

// The operation-log actions of attachments, after the register's log prefix: a transition may
// not take these ids.
inline constexpr const char* kAttachmentActions[] = {"attachment_add", "attachment_read", "attachment_withdraw"};

// Parses `attachments:` of register `r` (called after its workflow, whose transition ids it checks).
void ParseAttachments(Checker& c, const YAML::Node& node, RegisterSpec& r, const std::string& where);

}  // namespace mamori::policy

// The `attachments:` key of a register (docs/registers.md, "Attachments") and the file types
// mamori knows.
#include "policy/register_attachments.hpp"

#include <algorithm>

#include <yaml-cpp/yaml.h>

#include "policy/pack_checker.hpp"
#include "policy/registers.hpp"

namespace mamori::policy {

const std::vector<AttachmentType>& AttachmentTypes() {
  // Office files of 2007 and later are ZIP containers; the older ones OLE compound files.
  static const std::vector<AttachmentType> kTypes = {
      {"pdf", "application/pdf", "%PDF-"},
      {"png", "image/png", "\x89PNG\r\n\x1a\n"},
      {"jpg", "image/jpeg", "\xFF\xD8\xFF"},
      {"jpeg", "image/jpeg", "\xFF\xD8\xFF"},
      {"gif", "image/gif", "GIF8"},
      {"txt", "text/plain; charset=utf-8", ""},
      {"log", "text/plain; charset=utf-8", ""},
      {"csv", "text/csv", ""},
      {"eml", "message/rfc822", ""},
      {"zip", "application/zip", "PK\x03\x04"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PK\x03\x04"},
      {"xls", "application/vnd.ms-excel", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"},
      {"doc", "application/msword", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"},
      {"msg", "application/vnd.ms-outlook", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"},
  };
  return kTypes;
}

const AttachmentType* FindAttachmentType(std::string_view ext) {
  for (const auto& t : AttachmentTypes())
    if (t.ext == ext) return &t;
  return nullptr;
}

bool AttachmentRules::Allows(std::string_view ext) const {
  return std::find(types.begin(), types.end(), ext) != types.end();
}

void ParseAttachments(Checker& c, const YAML::Node& node, RegisterSpec& r, const std::string& where) {
  if (!node) return;
  if (!c.Map(node, where)) return;
  c.Keys(node, {"max_bytes", "max_files", "types", "clause"}, where);
  AttachmentRules rules;
  // 256 MiB: the most the server's upload limit (max_upload_kib) can be.
  rules.max_bytes = c.Int(node, "max_bytes", 10 * 1024 * 1024, 1, 256 * 1024 * 1024, where);
  rules.max_files = c.Int(node, "max_files", 100, 1, 10000, where);
  rules.clause = c.Str(node, "clause", false, where);
  if (!rules.clause.empty()) c.CheckClause(node["clause"], rules.clause, where + ".clause");
  rules.types = c.List(node, "types", where);
  if (!node["types"] || rules.types.empty()) c.Fail(node, where + ".types must list at least one file type (e.g. [pdf, png])");
  for (const auto& t : rules.types) {
    if (!FindAttachmentType(t)) {
      std::string known;
      for (const auto& k : AttachmentTypes()) known += (known.empty() ? "" : ", ") + std::string(k.ext);
      c.Fail(node["types"], where + ".types: '" + t + "' is not a file type mamori knows (" + known + ")");
    }
    if (std::count(rules.types.begin(), rules.types.end(), t) > 1)
      c.Fail(node["types"], where + ".types: '" + t + "' appears twice");
  }
  if (r.workflow)
    for (const auto& tr : r.workflow->transitions)
      for (const char* reserved : kAttachmentActions)
        if (tr.id == reserved)
          c.Fail(node, where + ": the transition id '" + tr.id + "' is the log action of attachments; rename it");
  r.attachments = std::move(rules);
}

}  // namespace mamori::policy

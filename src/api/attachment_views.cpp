#include "api/attachment_views.hpp"

#include "common/time.hpp"

namespace mamori::api {

nlohmann::json AttachmentJson(const domain::AttachmentView& v, const policy::RegisterSpec& r) {
  using json = nlohmann::json;
  const auto& a = v.row;
  const bool withdrawn = a.withdrawn_at != 0;
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"id", a.id},
          {"register", r.id},
          {"record_id", a.record_id},
          {"file_name", a.file_name},
          {"media_type", a.media_type},
          {"size", a.size_bytes},
          {"sha256", a.sha256},
          {"created_by", a.created_by},
          {"created_by_name", or_null(v.created_by_name)},
          {"created_at", FormatRfc3339(a.created_at)},
          {"withdrawn", withdrawn},
          {"withdrawn_at", withdrawn ? json(FormatRfc3339(a.withdrawn_at)) : json(nullptr)},
          {"withdrawn_by", withdrawn ? or_null(a.withdrawn_by) : json(nullptr)},
          {"withdrawn_by_name", withdrawn ? or_null(v.withdrawn_by_name) : json(nullptr)},
          {"withdrawn_note", withdrawn ? or_null(a.withdrawn_note) : json(nullptr)}};
}

}  // namespace mamori::api

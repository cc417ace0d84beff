// An attachment as API v1 JSON (docs/registers.md, "Attachments"); the OpenAPI schema
// `Attachment` (http/attachment_openapi.cpp) describes exactly these keys.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/register_attachments.hpp"

namespace mamori::api {

nlohmann::json AttachmentJson(const domain::AttachmentView& v, const policy::RegisterSpec& r);

}  // namespace mamori::api

// The OpenAPI description of the attachment routes of registers (docs/registers.md,
// "Attachments"): the raw-body upload, the list, the download and the withdrawal, and the
// `Attachment` schemas their answers follow (api/attachment_views.cpp).
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "http/router.hpp"

namespace mamori::http {

bool IsAttachmentRoute(const Route& r);
// Fills the operation's body, query parameters and success answers; returns the problem
// statuses its handler answers (the caller adds them and the pipeline's).
std::vector<int> DescribeAttachmentRoute(const Route& r, const policy::RegisterSpec& spec, nlohmann::json& op);
// Adds `Attachment`, `AttachmentList` and `AttachmentWithdrawBody` when some register takes files.
void AddAttachmentSchemas(const policy::PolicyPack& pack, nlohmann::json& schemas);

}  // namespace mamori::http

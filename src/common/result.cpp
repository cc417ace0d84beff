#include "common/result.hpp"

namespace mamori {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidCredentials: return "invalid_credentials";
    case ErrorCode::kMfaRequired: return "mfa_required";
    case ErrorCode::kPasswordChangeRequired: return "password_change_required";
    case ErrorCode::kPasswordRejected: return "password_rejected";
    case ErrorCode::kCsrfFailed: return "csrf_failed";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kSeparationOfDuties: return "separation_of_duties";
    case ErrorCode::kPolicyDenied: return "policy_denied";
    case ErrorCode::kValidationFailed: return "validation_failed";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

Error Error::Validation(std::string field, std::string code, std::string detail) {
  Error e;
  e.code = ErrorCode::kValidationFailed;
  e.detail = detail.empty() ? "入力内容に誤りがあります: " + field : std::move(detail);
  e.fields.push_back({std::move(field), std::move(code)});
  return e;
}

Error Error::Invalid(std::vector<FieldError> fields) {
  Error e;
  e.code = ErrorCode::kValidationFailed;
  std::string names;
  for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f.field;
  e.detail = "入力内容に誤りがあります: " + names;
  e.fields = std::move(fields);
  return e;
}

Error Error::NotFound(std::string what) {
  return Error{ErrorCode::kNotFound, what + " が見つかりません", {}, {}};
}

Error Error::Forbidden(std::string detail, std::string clause) {
  if (detail.empty()) detail = "この操作を行う権限がありません";
  return Error{ErrorCode::kForbidden, std::move(detail), std::move(clause), {}};
}

Error Error::Conflict(std::string detail) {
  return Error{ErrorCode::kConflict, std::move(detail), {}, {}};
}

Error Error::Internal(std::string detail) {
  return Error{ErrorCode::kInternal, std::move(detail), {}, {}};
}

}  // namespace mamori

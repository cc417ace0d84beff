#include "api/problem.hpp"

#include <string>

#include <spdlog/spdlog.h>

namespace mamori::api {

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidCredentials: return 401;
    case ErrorCode::kMfaRequired: return 403;
    case ErrorCode::kPasswordChangeRequired: return 403;
    case ErrorCode::kPasswordRejected: return 422;
    case ErrorCode::kCsrfFailed: return 403;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kForbidden: return 403;
    case ErrorCode::kSeparationOfDuties: return 403;
    case ErrorCode::kPolicyDenied: return 403;
    case ErrorCode::kValidationFailed: return 422;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kRateLimited: return 429;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

Response InternalErrorResponse(std::exception_ptr e, std::string_view method, std::string_view path) {
  std::string what = "no exception";
  if (e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
      what = "a non-standard exception";
    }
  }
  spdlog::error("internal error serving {} {}: {}", method, path, what);
  return Response::Problem(Error::Internal("サーバー内部でエラーが発生しました"));
}

}  // namespace mamori::api

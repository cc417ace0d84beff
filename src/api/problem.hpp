// The HTTP edge of the error type: which status each ErrorCode answers with, and the one place
// where an exception escaping a handler becomes a response. common/ and the services know
// error codes only; statuses are decided here (API v1 contract, DESIGN.md "Errors").
#pragma once

#include <exception>
#include <string_view>

#include "api/request.hpp"
#include "common/result.hpp"

namespace mamori::api {

// The HTTP status of a problem type (validation_failed → 422, unavailable → 503, …).
int HttpStatus(ErrorCode code);

// The 500 problem for an exception that escaped the code serving `method path`: the exception's
// text (which may hold SQL, paths or personal data) goes to the server log only; the client gets
// a fixed Japanese detail. The pipeline and the server's last-resort guard both call this, so
// every internal error answers alike. `e` may be null.
Response InternalErrorResponse(std::exception_ptr e, std::string_view method, std::string_view path);

}  // namespace mamori::api

// Status and Result<T>: the one error type every service returns (problem documents are made
// only at the HTTP edge from these codes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mamori {

// One code per problem type of the API v1 contract, plus the edge-only ones.
enum class ErrorCode {
  kInvalidCredentials,
  kMfaRequired,
  kPasswordChangeRequired,
  kPasswordRejected,
  kCsrfFailed,
  kUnauthenticated,
  kForbidden,
  kSeparationOfDuties,
  kPolicyDenied,
  kValidationFailed,
  kNotFound,
  kConflict,
  kRateLimited,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kMethodNotAllowed,
  kUnavailable,
  kInternal,
};

// The problem-type slug ("invalid_credentials") of a code. Which HTTP status answers it is the
// edge's business (api/problem.hpp), not this library's.
const char* ErrorCodeName(ErrorCode code);

// A field that failed validation, or a rule a password broke. In an imported file, `row` is the
// file's row as a spreadsheet numbers it (the header is row 1) and `column` the column's
// heading as the file wrote it; both are unset elsewhere.
struct FieldError {
  FieldError() = default;
  FieldError(std::string field, std::string code, int64_t row = 0, std::string column = {})
      : field(std::move(field)), code(std::move(code)), row(row), column(std::move(column)) {}

  std::string field;
  std::string code;
  int64_t row = 0;
  std::string column;
  bool operator==(const FieldError&) const = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string detail;             // human-readable, Japanese first
  std::string clause;             // policy clause ("kobe:8.2.5") when a rule decided
  std::vector<FieldError> fields;  // per-field problems
  int64_t retry_after_seconds = 0;  // rate_limited, unavailable: when to try again (0 = unsaid)
  // The detail in English when the text comes from the pack with an English version (a deny
  // rule's message_en); "" otherwise. Problem documents answer it as `detail_en`.
  std::string detail_en{};

  static Error Validation(std::string field, std::string code, std::string detail = {});
  // validation_failed listing every field problem, named in the detail.
  static Error Invalid(std::vector<FieldError> fields);
  static Error NotFound(std::string what);
  static Error Forbidden(std::string detail = {}, std::string clause = {});
  static Error Conflict(std::string detail);
  static Error Internal(std::string detail);
};

// Result<T> holds a value or an Error. Result<void> (alias Status) holds only success or Error.
// Ask with ok(); there is deliberately no conversion to bool (`if (r)` on a Result<bool> or
// Result<optional<T>> reads as the value, and would silently test success instead).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT
  bool ok() const { return !e_.has_value(); }
  const Error& error() const& { return *e_; }
  Error&& error() && { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace mamori

// Early-return helpers. MAMORI_TRY(expr) returns the error of a Status-like expression;
// MAMORI_ASSIGN(decl, expr) binds the value of a Result or returns its error.
#define MAMORI_CONCAT_INNER(a, b) a##b
#define MAMORI_CONCAT(a, b) MAMORI_CONCAT_INNER(a, b)
#define MAMORI_TRY(expr)                                   \
  do {                                                     \
    auto mamori_try_status_ = (expr);                      \
    if (!mamori_try_status_.ok()) return std::move(mamori_try_status_).error(); \
  } while (0)
#define MAMORI_ASSIGN_IMPL(tmp, decl, expr)          \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).error();      \
  decl = std::move(tmp).value()
#define MAMORI_ASSIGN(decl, expr) MAMORI_ASSIGN_IMPL(MAMORI_CONCAT(mamori_r_, __LINE__), decl, expr)

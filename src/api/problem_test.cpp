#include "api/problem.hpp"

#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mamori::api {
namespace {

TEST(HttpStatusTest, EveryProblemTypeAnswersWithTheStatusOfTheApiContract) {
  EXPECT_EQ(HttpStatus(ErrorCode::kInvalidCredentials), 401);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatus(ErrorCode::kMfaRequired), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kPasswordChangeRequired), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kCsrfFailed), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kSeparationOfDuties), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kPolicyDenied), 403);
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kMethodNotAllowed), 405);
  EXPECT_EQ(HttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatus(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(HttpStatus(ErrorCode::kPasswordRejected), 422);
  EXPECT_EQ(HttpStatus(ErrorCode::kValidationFailed), 422);
  EXPECT_EQ(HttpStatus(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(HttpStatus(ErrorCode::kInternal), 500);
  EXPECT_EQ(HttpStatus(ErrorCode::kUnavailable), 503);
}

TEST(HttpStatusTest, AProblemDocumentCarriesTheStatusInItsBodyAndLine) {
  Error e{ErrorCode::kUnavailable, "データベースに接続できません", {}, {}};
  e.retry_after_seconds = 5;
  const Response r = Response::Problem(e);
  EXPECT_EQ(r.status, 503);
  const auto doc = nlohmann::json::parse(r.body);
  EXPECT_EQ(doc["status"], 503);
  EXPECT_EQ(doc["type"], "/problems/unavailable");
  EXPECT_EQ(r.GetHeader("Retry-After"), "5");
}

TEST(HttpStatusTest, AProblemAnswersTheEnglishDetailBesideTheJapaneseOneOnlyWhenThereIsOne) {
  Error e{ErrorCode::kPolicyDenied, "持ち出せません", "kobe:4.2イ", {}};
  auto doc = nlohmann::json::parse(Response::Problem(e).body);
  EXPECT_EQ(doc["detail"], "持ち出せません");
  EXPECT_FALSE(doc.contains("detail_en")) << doc.dump();
  e.detail_en = "This asset may not be taken out";
  doc = nlohmann::json::parse(Response::Problem(e).body);
  EXPECT_EQ(doc["detail"], "持ち出せません");
  EXPECT_EQ(doc["detail_en"], "This asset may not be taken out");
  EXPECT_EQ(doc["clause"], "kobe:4.2イ");
}

TEST(InternalErrorResponseTest, AnExceptionBecomesA500WithoutItsText) {
  const Response r = InternalErrorResponse(
      std::make_exception_ptr(std::runtime_error("SELECT secret FROM users WHERE x=/var/lib/mamori")), "GET", "/api/v1/x");
  EXPECT_EQ(r.status, 500);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::kInternal);
  EXPECT_EQ(r.body.find("SELECT"), std::string::npos);
  EXPECT_EQ(r.body.find("/var/lib"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(r.body)["type"], "/problems/internal");
}

TEST(InternalErrorResponseTest, ANonStandardExceptionOrNoneAnswersTheSame) {
  const Response thrown_int = InternalErrorResponse(std::make_exception_ptr(42), "POST", "/api/v1/y");
  const Response none = InternalErrorResponse(nullptr, "POST", "/api/v1/y");
  EXPECT_EQ(thrown_int.status, 500);
  EXPECT_EQ(none.status, 500);
  EXPECT_EQ(thrown_int.body, none.body);
}

}  // namespace
}  // namespace mamori::api

// What the handlers accept, as named constants: the handlers check bodies and queries with them
// and the OpenAPI document (api/openapi_schemas.cpp) describes the same limits from them, so the
// document cannot drift from the check.
#pragma once

#include <cstdint>

#include "common/json_input.hpp"

namespace mamori::api {

// An id in a body ("org_unit_id", "user_id"): the service decides whether it names anything.
inline constexpr StringRule kIdRule{1, 64};
// The text search of the list pages (`q`).
inline constexpr size_t kSearchMax = 100;
// Paging of every list: page 1.., per_page 1..200 (default 50).
inline constexpr int64_t kPageMax = 1000000;
inline constexpr int64_t kPerPageMax = 200;
inline constexpr int64_t kPerPageDefault = 50;

// Sign-in and the session.
inline constexpr StringRule kLoginIdInput{1, 64};
// Passwords are checked in bytes only here; the pack's rules judge the content.
inline constexpr StringRule kPasswordInput{.min_length = 1, .max_length = 4096, .verbatim = true};
inline constexpr StringRule kCurrentPasswordInput{1, 1024};
inline constexpr StringRule kMfaCodeInput{1, 16};

// Org units: the kinds a person may create (the city itself comes from setup).
inline constexpr const char* kOrgUnitKinds[] = {"bureau", "department", "section"};
inline constexpr const char* kOrgUnitAllKinds[] = {"city", "bureau", "department", "section"};
inline constexpr StringRule kOrgUnitCode{1, 32};
inline constexpr StringRule kOrgUnitName{1, 100};

// Users.
inline constexpr StringRule kNewLoginId{3, 64};
inline constexpr StringRule kUserName{1, 100};
inline constexpr StringRule kEmail{0, 254};
inline constexpr StringRule kResetReason{0, 400};
inline constexpr const char* kUserStatuses[] = {"active", "locked", "suspended", "expired", "deleted"};
inline constexpr int64_t kInactiveDaysMax = 36500;

// Requests: a decision's note, and how many assets one request may name.
inline constexpr size_t kNoteMax = 2000;
inline constexpr size_t kRequestAssetsMax = 1000;

// Operation-log results.
inline constexpr const char* kLogResults[] = {"success", "failure", "denied"};

}  // namespace mamori::api

// Validating reader for JSON request bodies: every problem becomes a FieldError naming the
// field, and all problems of a body are reported together (kobe:8.3.5 input checks).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace mamori {

// True when `s` is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);
// Number of Unicode code points of valid UTF-8.
size_t Utf8Length(std::string_view s);

struct StringRule {
  size_t min_length = 0;    // code points
  size_t max_length = 200;  // code points
  bool multiline = false;   // allow \n and \t
  // Only the type and the length in bytes are checked: the caller judges the content (a new
  // password's encoding and control characters are password rules, reported as such).
  bool verbatim = false;
};

class JsonInput {
 public:
  // A body that is not JSON, or not an object, is a validation error on field "body".
  static Result<JsonInput> Parse(std::string_view body);
  // Wraps an already parsed object (nested objects).
  explicit JsonInput(nlohmann::json object, std::string prefix = {});

  std::optional<std::string> String(const char* name, bool required, StringRule rule = {});
  // One of a fixed set of values.
  std::optional<std::string> Enum(const char* name, bool required,
                                  std::initializer_list<const char*> allowed);
  // The same from a named list (a constant the OpenAPI document also reads).
  std::optional<std::string> Enum(const char* name, bool required, std::span<const char* const> allowed);
  std::optional<int64_t> Int(const char* name, bool required, int64_t min, int64_t max);
  std::optional<bool> Bool(const char* name, bool required);
  // "YYYY-MM-DD"; null is accepted as absent.
  std::optional<std::string> Date(const char* name, bool required);
  // An array of strings, each checked against `rule`.
  std::optional<std::vector<std::string>> StringArray(const char* name, bool required,
                                                      size_t max_items, StringRule rule = {});
  bool Has(const char* name) const;
  const nlohmann::json& Raw() const { return object_; }

  // Marks every field not in `known` as unknown_field.
  void RejectUnknown(std::initializer_list<const char*> known);
  void AddError(std::string field, std::string code);
  // OK when no field failed; otherwise a validation_failed Error listing them all.
  Status Finish() const;

 private:
  const nlohmann::json* Field(const char* name, bool required);
  // The field's string, or null (absent, or wrong_type recorded).
  const std::string* StringField(const char* name, bool required);
  std::string Name(const char* name) const { return prefix_ + name; }

  nlohmann::json object_;
  std::string prefix_;
  std::vector<FieldError> errors_;
};

// ASCII letters folded to lower case; other bytes (UTF-8 included) unchanged.
std::string AsciiLower(std::string_view s);

// Validates a single string value against a rule; returns the error code or "".
std::string CheckString(std::string_view value, const StringRule& rule);

}  // namespace mamori

#include "common/json_input.hpp"

#include <algorithm>

#include "common/time.hpp"

namespace mamori {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

size_t Utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string CheckString(std::string_view value, const StringRule& rule) {
  if (rule.verbatim) {
    if (value.size() < rule.min_length) return value.empty() ? "required" : "too_short";
    return value.size() > rule.max_length ? "too_long" : "";
  }
  if (!IsValidUtf8(value)) return "invalid_encoding";
  for (char ch : value) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == 0x7F || (c < 0x20 && !(rule.multiline && (c == '\n' || c == '\t' || c == '\r'))))
      return "control_characters";
  }
  const size_t len = Utf8Length(value);
  if (len < rule.min_length) return value.empty() ? "required" : "too_short";
  if (len > rule.max_length) return "too_long";
  return {};
}

Result<JsonInput> JsonInput::Parse(std::string_view body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded())
    return Error::Validation("body", "malformed_json", "リクエスト本文が正しい JSON ではありません");
  if (!parsed.is_object())
    return Error::Validation("body", "not_object", "リクエスト本文は JSON オブジェクトである必要があります");
  return JsonInput(std::move(parsed));
}

JsonInput::JsonInput(nlohmann::json object, std::string prefix)
    : object_(std::move(object)), prefix_(std::move(prefix)) {}

bool JsonInput::Has(const char* name) const {
  auto it = object_.find(name);
  return it != object_.end() && !it->is_null();
}

const nlohmann::json* JsonInput::Field(const char* name, bool required) {
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) {
    if (required) errors_.push_back({Name(name), "required"});
    return nullptr;
  }
  return &*it;
}

const std::string* JsonInput::StringField(const char* name, bool required) {
  const nlohmann::json* v = Field(name, required);
  if (!v) return nullptr;
  if (!v->is_string()) {
    errors_.push_back({Name(name), "wrong_type"});
    return nullptr;
  }
  return &v->get_ref<const std::string&>();
}

std::optional<std::string> JsonInput::String(const char* name, bool required, StringRule rule) {
  const std::string* sp = StringField(name, required);
  if (!sp) return std::nullopt;
  const std::string& s = *sp;
  if (required && rule.min_length == 0) rule.min_length = 1;
  std::string code = CheckString(s, rule);
  if (!code.empty()) {
    errors_.push_back({Name(name), code});
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> JsonInput::Enum(const char* name, bool required,
                                           std::initializer_list<const char*> allowed) {
  return Enum(name, required, std::span<const char* const>(allowed.begin(), allowed.size()));
}

std::optional<std::string> JsonInput::Enum(const char* name, bool required, std::span<const char* const> allowed) {
  const std::string* sp = StringField(name, required);
  if (!sp) return std::nullopt;
  const std::string& s = *sp;
  for (const char* a : allowed)
    if (s == a) return s;
  errors_.push_back({Name(name), "not_allowed"});
  return std::nullopt;
}

std::optional<int64_t> JsonInput::Int(const char* name, bool required, int64_t min, int64_t max) {
  const nlohmann::json* v = Field(name, required);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) {
    errors_.push_back({Name(name), "wrong_type"});
    return std::nullopt;
  }
  // Unsigned values beyond int64 are out of range, not a wrap-around.
  if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    errors_.push_back({Name(name), "out_of_range"});
    return std::nullopt;
  }
  const int64_t x = v->get<int64_t>();
  if (x < min || x > max) {
    errors_.push_back({Name(name), "out_of_range"});
    return std::nullopt;
  }
  return x;
}

std::optional<bool> JsonInput::Bool(const char* name, bool required) {
  const nlohmann::json* v = Field(name, required);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) {
    errors_.push_back({Name(name), "wrong_type"});
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::string> JsonInput::Date(const char* name, bool required) {
  const std::string* sp = StringField(name, required);
  if (!sp) return std::nullopt;
  const std::string& s = *sp;
  if (!ParseDate(s)) {
    errors_.push_back({Name(name), "invalid_date"});
    return std::nullopt;
  }
  return s;
}

std::optional<std::vector<std::string>> JsonInput::StringArray(const char* name, bool required,
                                                               size_t max_items, StringRule rule) {
  const nlohmann::json* v = Field(name, required);
  if (!v) return std::nullopt;
  if (!v->is_array()) {
    errors_.push_back({Name(name), "wrong_type"});
    return std::nullopt;
  }
  if (v->size() > max_items) {
    errors_.push_back({Name(name), "too_many_items"});
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    const std::string field = Name(name) + "[" + std::to_string(i) + "]";
    if (!item.is_string()) {
      errors_.push_back({field, "wrong_type"});
      continue;
    }
    std::string code = CheckString(item.get_ref<const std::string&>(), rule);
    if (!code.empty()) {
      errors_.push_back({field, code});
      continue;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

void JsonInput::RejectUnknown(std::initializer_list<const char*> known) {
  for (const auto& [key, _] : object_.items()) {
    bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; });
    if (!ok) {
      // Hostile keys are echoed back only when they are clean, short text.
      std::string shown = CheckString(key, StringRule{1, 64, false}).empty() ? key : "(invalid)";
      errors_.push_back({Name(shown.c_str()), "unknown_field"});
    }
  }
}

void JsonInput::AddError(std::string field, std::string code) {
  errors_.push_back({std::move(field), std::move(code)});
}

Status JsonInput::Finish() const {
  if (errors_.empty()) return Ok();
  return Error::Invalid(errors_);
}

}  // namespace mamori

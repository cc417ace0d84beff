#include "auth/password_rules.hpp"

#include <pwquality.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <optional>

#include "common/crypto.hpp"
#include "common/json_input.hpp"

namespace mamori::auth {
namespace {

// Serialises everything that touches cracklib: it opens the dictionary per call and its
// word-mangling code is not documented as reentrant. Password checks are rare (changes and
// user creation), so a global lock costs nothing noticeable.
std::mutex& PwqualityMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& DictionaryOverride() {
  static std::string path;  // guarded by PwqualityMutex
  return path;
}

// Strict RFC 3629 decoding: no overlong forms, no surrogates, nothing above U+10FFFF.
std::optional<std::u32string> DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    size_t len;
    char32_t cp;
    char32_t min;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return std::nullopt;  // a continuation byte or 0xF8..0xFF where a lead byte belongs
    }
    if (s.size() - i < len) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      unsigned char b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool IsControl(char32_t cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F); }

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// cracklib needs the .pwd and .pwi files of a dictionary (.hwm is optional).
bool DictionaryFilesExist(const std::string& base) {
  return !base.empty() && FileExists(base + ".pwd") && FileExists(base + ".pwi");
}

// Caller holds PwqualityMutex.
std::string ResolveDictionaryLocked() {
  const std::string& forced = DictionaryOverride();
  if (!forced.empty()) return DictionaryFilesExist(forced) ? forced : std::string();
  std::string compiled_in;
  if (pwquality_settings_t* defaults = pwquality_default_settings()) {
    const char* path = nullptr;
    if (pwquality_get_str_value(defaults, PWQ_SETTING_DICT_PATH, &path) == 0 && path != nullptr) {
      compiled_in = path;
    }
    pwquality_free_settings(defaults);
  }
  for (const std::string& candidate :
       {compiled_in, std::string("/var/cache/cracklib/cracklib_dict"),
        std::string("/usr/share/cracklib/pw_dict")}) {
    if (DictionaryFilesExist(candidate)) return candidate;
  }
  return {};
}

// Settings that leave length and classes to our rules: libpwquality's minimum length is
// clamped to 6 by the library and every credit and repeat limit is off. No config file is
// read, so /etc/security/pwquality.conf cannot change mamori's verdicts.
struct PwqSettings {
  explicit PwqSettings(const std::string& dict_path, bool dict_check) {
    s = pwquality_default_settings();
    if (s == nullptr) return;
    const std::pair<int, int> kInts[] = {
        {PWQ_SETTING_MIN_LENGTH, 0},       {PWQ_SETTING_DIG_CREDIT, 0},
        {PWQ_SETTING_UP_CREDIT, 0},        {PWQ_SETTING_LOW_CREDIT, 0},
        {PWQ_SETTING_OTH_CREDIT, 0},       {PWQ_SETTING_MIN_CLASS, 0},
        {PWQ_SETTING_MAX_REPEAT, 0},       {PWQ_SETTING_MAX_CLASS_REPEAT, 0},
        {PWQ_SETTING_MAX_SEQUENCE, 0},     {PWQ_SETTING_GECOS_CHECK, 0},
        {PWQ_SETTING_USER_CHECK, 0},       {PWQ_SETTING_DIFF_OK, kSimilarityEdits},
        {PWQ_SETTING_DICT_CHECK, dict_check ? 1 : 0},
    };
    for (const auto& [setting, value] : kInts) {
      if (pwquality_set_int_value(s, setting, value) != 0) {
        pwquality_free_settings(s);
        s = nullptr;
        return;
      }
    }
    if (dict_check && pwquality_set_str_value(s, PWQ_SETTING_DICT_PATH, dict_path.c_str()) != 0) {
      pwquality_free_settings(s);
      s = nullptr;
    }
  }
  ~PwqSettings() {
    if (s != nullptr) pwquality_free_settings(s);
  }
  PwqSettings(const PwqSettings&) = delete;
  PwqSettings& operator=(const PwqSettings&) = delete;
  pwquality_settings_t* s = nullptr;
};

// libpwquality refuses passwords shorter than this before it reaches cracklib (its minimum
// for minlen), so shorter ones are not sent at all.
constexpr size_t kPwqualityMinBytes = 6;
// libpwquality's edit distance is cubic in the length; beyond this the similarity check
// falls back to comparing case-insensitively, which is all that matters for such lengths.
constexpr size_t kSimilarityMaxBytes = 256;

void LogMissingDictionaryOnce() {
  static std::atomic<bool> logged{false};
  if (!logged.exchange(true)) {
    spdlog::error(
        "password dictionary check is on but no cracklib dictionary was found; install "
        "cracklib-runtime (Debian) or turn dictionary_check off in the policy pack. Every new "
        "password is refused with dictionary_unavailable until then.");
  }
}

enum class DictionaryVerdict { kPass, kWord, kUnavailable };

DictionaryVerdict CheckDictionary(const std::string& password) {
  std::lock_guard<std::mutex> lock(PwqualityMutex());
  std::string dict = ResolveDictionaryLocked();
  if (dict.empty()) {
    LogMissingDictionaryOnce();
    return DictionaryVerdict::kUnavailable;
  }
  PwqSettings settings(dict, true);
  if (settings.s == nullptr) return DictionaryVerdict::kUnavailable;
  int rc = pwquality_check(settings.s, password.c_str(), nullptr, nullptr, nullptr);
  switch (rc) {
    case PWQ_ERROR_CRACKLIB_CHECK:
    case PWQ_ERROR_PALINDROME:
      return DictionaryVerdict::kWord;
    default:
      // A score (>= 0) passes; the remaining errors are checks we switched off or leave to
      // our own rules (length), so they are not a dictionary verdict.
      return DictionaryVerdict::kPass;
  }
}

// Base words that lead breached-password lists. cracklib misses them once they are dressed up
// with capitals, look-alike symbols and a number ("P@ssw0rd", "Welcome@123"), so the check
// below strips that dressing and looks again.
constexpr std::string_view kCommonBases[] = {
    "password", "passwd", "pass", "admin", "administrator", "welcome", "qwerty", "qwertyuiop", "asdfgh",
    "letmein", "iloveyou", "monkey", "dragon", "master", "login", "abc", "abcd", "abcdef", "test",
    "guest", "root", "user", "secret", "sunshine", "princess", "football", "baseball", "shadow",
    "superman", "trustno", "hello", "freedom", "whatever", "starwars", "summer", "winter", "spring",
    "autumn", "changeme", "default", "japan", "tokyo", "sakura", "nippon", "mamori",
};

// The password with appended or prepended digits and symbols removed and look-alike
// characters read as letters: "Password123!" and "P@ssw0rd" both become "password".
std::string BreachCore(const std::string& password) {
  std::string lower = AsciiLower(password);
  auto is_letter = [](char c) { return c >= 'a' && c <= 'z'; };
  auto is_leet = [](char c) { return std::string_view("@4310!$57+").find(c) != std::string_view::npos; };
  size_t b = 0, e = lower.size();
  // Trailing and leading runs of digits/symbols are dressing, unless they end in a letter's look-alike
  // that sits inside the word ("passw0rd" keeps its 0).
  // Only ASCII digits and symbols count as dressing; other scripts are part of the password.
  auto is_dressing = [&](char c) { return static_cast<unsigned char>(c) < 0x80 && !is_letter(c); };
  while (e > b && is_dressing(lower[e - 1])) --e;
  while (b < e && is_dressing(lower[b]) && !is_leet(lower[b])) ++b;
  std::string core;
  for (size_t i = b; i < e; ++i) {
    char c = lower[i];
    switch (c) {
      case '@': case '4': c = 'a'; break;
      case '3': c = 'e'; break;
      case '1': case '!': c = 'i'; break;
      case '0': c = 'o'; break;
      case '$': case '5': c = 's'; break;
      case '7': case '+': c = 't'; break;
      default: break;
    }
    core.push_back(c);
  }
  return core;
}

bool LooksBreached(const std::string& password, bool dictionary_available) {
  const std::string core = BreachCore(password);
  if (core.empty() || core == AsciiLower(password)) return false;  // nothing stripped: already checked
  for (std::string_view base : kCommonBases)
    if (core == base) return true;
  // A core that is one plain word is looked up; anything with other characters left is not a
  // dressed-up word.
  const bool one_word = std::all_of(core.begin(), core.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  return dictionary_available && one_word && core.size() >= kPwqualityMinBytes &&
         CheckDictionary(core) == DictionaryVerdict::kWord;
}

// The ASCII letter a look-alike digit or symbol stands for, or the character itself.
char32_t LeetLetter(char32_t c) {
  switch (c) {
    case '@': case '4': return 'a';
    case '3': return 'e';
    case '1': case '!': return 'i';
    case '0': return 'o';
    case '$': case '5': return 's';
    case '7': case '+': return 't';
    default: return c;
  }
}

// Case, width and kana folded: ASCII and full-width Latin to lower-case ASCII, katakana to
// hiragana. Other characters stay as they are.
std::u32string Fold(const std::u32string& in) {
  std::u32string out;
  out.reserve(in.size());
  for (char32_t c : in) {
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;          // full-width ASCII
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    else if (c >= 0x30A1 && c <= 0x30F6) c -= 0x60;      // katakana to hiragana
    out.push_back(c);
  }
  return out;
}

bool ContainsContextWord(const std::u32string& password, const std::vector<std::string>& words) {
  const std::u32string plain = Fold(password);
  std::u32string leet = plain;
  for (char32_t& c : leet) c = LeetLetter(c);
  for (const auto& w : words) {
    auto cps = DecodeUtf8(w);
    if (!cps || cps->empty()) continue;
    const std::u32string word = Fold(*cps);
    if (plain.find(word) != std::u32string::npos || leet.find(word) != std::u32string::npos) return true;
  }
  return false;
}

bool TooSimilar(const std::string& password, const std::string& old_password) {
  if (password.size() > kSimilarityMaxBytes || old_password.size() > kSimilarityMaxBytes) {
    return AsciiLower(password) == AsciiLower(old_password);
  }
  std::lock_guard<std::mutex> lock(PwqualityMutex());
  PwqSettings settings({}, false);
  if (settings.s == nullptr) return AsciiLower(password) == AsciiLower(old_password);
  int rc = pwquality_check(settings.s, password.c_str(), old_password.c_str(), nullptr, nullptr);
  return rc == PWQ_ERROR_SAME_PASSWORD || rc == PWQ_ERROR_TOO_SIMILAR ||
         rc == PWQ_ERROR_CASE_CHANGES_ONLY || rc == PWQ_ERROR_ROTATED;
}

}  // namespace

std::vector<FieldError> CheckPassword(const PasswordRules& rules, std::string_view password,
                                      std::string_view login_id,
                                      std::string_view old_password) {
  std::vector<FieldError> errors;
  auto add = [&errors](const char* code) { errors.push_back({kPasswordField, code}); };

  std::optional<std::u32string> cps = DecodeUtf8(password);
  if (!cps) {
    // Without a valid encoding neither the length nor the classes mean anything.
    add(kCodeInvalidEncoding);
    return errors;
  }

  bool control = false;
  bool upper = false, lower = false, digit = false, symbol = false;
  for (char32_t cp : *cps) {
    if (IsControl(cp)) {
      control = true;
    } else if (cp >= 'A' && cp <= 'Z') {
      upper = true;
    } else if (cp >= 'a' && cp <= 'z') {
      lower = true;
    } else if (cp >= '0' && cp <= '9') {
      digit = true;
    } else {
      symbol = true;
    }
  }
  if (control) add(kCodeControlCharacters);

  const long long length = static_cast<long long>(cps->size());
  if (length < rules.min_length) add(kCodeTooShort);
  const bool too_long = length > rules.max_length;
  if (too_long) add(kCodeTooLong);

  int classes = int{upper} + int{lower} + int{digit} + int{symbol};
  if (classes < std::min(rules.classes_required, 4)) add(kCodeTooFewClasses);

  if (rules.reject_login_id && !login_id.empty()) {
    auto login_cps = DecodeUtf8(login_id);
    size_t login_length = login_cps ? login_cps->size() : login_id.size();
    // One- and two-character ids would forbid half the alphabet.
    if (login_length >= 3 &&
        AsciiLower(password).find(AsciiLower(login_id)) != std::string::npos) {
      add(kCodeContainsLoginId);
    }
  }

  if (!rules.context_words.empty() && ContainsContextWord(*cps, rules.context_words)) add(kCodeContextWord);

  // The library checks take C strings and are costly on huge input; an over-long password
  // is already refused.
  if (too_long) return errors;
  std::string pw(password);

  if (rules.breached && rules.breached->Contains(pw)) add(kCodeBreached);

  if (rules.dictionary_check && pw.size() >= kPwqualityMinBytes) {
    switch (CheckDictionary(pw)) {
      case DictionaryVerdict::kWord: add(kCodeDictionaryWord); break;
      case DictionaryVerdict::kUnavailable: add(kCodeDictionaryUnavailable); break;
      case DictionaryVerdict::kPass:
        if (LooksBreached(pw, true)) add(kCodeDictionaryWord);
        break;
    }
  } else if (rules.dictionary_check && CracklibDictionaryPath().empty()) {
    LogMissingDictionaryOnce();
    add(kCodeDictionaryUnavailable);
  }

  if (!old_password.empty()) {
    std::string old(old_password);
    if (TooSimilar(pw, old)) add(kCodeTooSimilar);
    sodium_memzero(old.data(), old.size());
  }

  // These copies exist only for the C APIs; do not leave passwords in freed heap.
  sodium_memzero(pw.data(), pw.size());
  return errors;
}

std::string GenerateTemporaryPassword(const PasswordRules& rules, std::string_view login_id) {
  // Look-alikes are left out because these passwords are read off a screen or paper.
  static constexpr std::string_view kUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  static constexpr std::string_view kLower = "abcdefghijkmnpqrstuvwxyz";
  static constexpr std::string_view kDigit = "23456789";
  static constexpr std::string_view kSymbol = "#$%&*+-=?@";
  static const std::string kAll =
      std::string(kUpper) + std::string(kLower) + std::string(kDigit) + std::string(kSymbol);

  int length = std::max(16, rules.min_length);
  if (rules.max_length >= 4) length = std::min(length, rules.max_length);
  length = std::max(length, 4);  // room for one of each class

  crypto::EnsureInitialized();
  auto pick = [](std::string_view alphabet) {
    return alphabet[randombytes_uniform(static_cast<uint32_t>(alphabet.size()))];
  };
  std::string candidate;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    candidate.clear();
    candidate.push_back(pick(kUpper));
    candidate.push_back(pick(kLower));
    candidate.push_back(pick(kDigit));
    candidate.push_back(pick(kSymbol));
    while (static_cast<int>(candidate.size()) < length) candidate.push_back(pick(kAll));
    // Fisher-Yates, so the guaranteed characters are not always in front.
    for (size_t i = candidate.size() - 1; i > 0; --i) {
      std::swap(candidate[i], candidate[randombytes_uniform(static_cast<uint32_t>(i + 1))]);
    }
    if (CheckPassword(rules, candidate, login_id, {}).empty()) break;
  }
  return candidate;
}

Result<std::shared_ptr<const BreachedPasswords>> BreachedPasswords::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Internal("漏えいパスワード一覧を読めません: " + path + "（Debian の john-data を導入してください）");
  std::vector<std::string> words;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("#!", 0) == 0) continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) words.push_back(std::move(line));
  }
  if (words.empty()) return Error::Internal("漏えいパスワード一覧が空です: " + path);
  return FromWords(words);
}

std::shared_ptr<const BreachedPasswords> BreachedPasswords::FromWords(const std::vector<std::string>& words) {
  auto list = std::make_shared<BreachedPasswords>();
  for (const auto& w : words) list->words_.insert(AsciiLower(w));
  return list;
}

bool BreachedPasswords::Contains(std::string_view password) const {
  const std::string lower = AsciiLower(std::string(password));
  if (words_.count(lower)) return true;
  auto listed = [&](const std::string& form) { return form.size() >= 4 && words_.count(form) > 0; };
  // Dressing: ASCII digits and symbols at the end ("Monkey123!", "Trustno1!") or the start
  // ("1Baseball"); every way of taking some of it off is looked up ("trustno1" keeps its 1).
  auto is_dressing = [](char c) { return static_cast<unsigned char>(c) < 0x80 && !(c >= 'a' && c <= 'z'); };
  constexpr size_t kMaxDressing = 8;
  size_t tail = 0, head = 0;
  while (tail < kMaxDressing && tail < lower.size() && is_dressing(lower[lower.size() - 1 - tail])) ++tail;
  while (head < kMaxDressing && head + tail < lower.size() && is_dressing(lower[head])) ++head;
  for (size_t h = 0; h <= head; ++h)
    for (size_t t = 0; t <= tail; ++t)
      if ((h || t) && listed(lower.substr(h, lower.size() - h - t))) return true;
  std::string leet = lower;
  for (char& c : leet)
    if (static_cast<unsigned char>(c) < 0x80) c = static_cast<char>(LeetLetter(static_cast<char32_t>(c)));
  return listed(leet) || listed(BreachCore(std::string(password)));
}

std::string CracklibDictionaryPath() {
  std::lock_guard<std::mutex> lock(PwqualityMutex());
  return ResolveDictionaryLocked();
}

void SetCracklibDictionaryPath(std::string base_path) {
  std::lock_guard<std::mutex> lock(PwqualityMutex());
  DictionaryOverride() = std::move(base_path);
}

}  // namespace mamori::auth

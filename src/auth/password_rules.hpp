// Password composition rules from the policy pack, the dictionary check, and temporary
// passwords that satisfy them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.hpp"

namespace mamori::auth {

// A breached-password list: passwords seen in published breaches, one a line (comments start
// with "#!"), loaded once at start from a maintained package (Debian john-data's
// /usr/share/john/password.lst) and read-only afterwards, so any thread may use it.
class BreachedPasswords {
 public:
  // Reads the file; an error names the path when it is missing, unreadable or empty.
  static Result<std::shared_ptr<const BreachedPasswords>> Load(const std::string& path);
  // From words in memory (tests).
  static std::shared_ptr<const BreachedPasswords> FromWords(const std::vector<std::string>& words);
  // Whether `password` is on the list, as typed (ASCII case ignored) or once undressed: ASCII
  // digits and symbols stripped from its ends and look-alikes read as letters ("P@ssw0rd!",
  // "Monkey123", "1qaz2wsx" as is). Undressed forms shorter than 4 characters do not count.
  bool Contains(std::string_view password) const;
  size_t size() const { return words_.size(); }

 private:
  std::unordered_set<std::string> words_;  // ASCII lower-cased
};

// The pack's password rules (kobe:8.2.5 and the breached/dictionary-word requirement).
// Lengths count Unicode code points, so a password in kana is measured as its user sees it.
struct PasswordRules {
  int min_length = 8;
  int max_length = 128;
  // Of the four classes: ASCII upper case, ASCII lower case, ASCII digit, and "symbol"
  // (every other printable character, including all non-ASCII ones).
  int classes_required = 3;
  bool dictionary_check = true;
  bool reject_login_id = true;
  // Words of the password's context that no password may contain, such as the municipality's
  // name in romaji and kana and the system's name. Compared after folding ASCII case,
  // full-width ASCII and katakana to hiragana, both as typed and with look-alike digits and
  // symbols read as letters, so "Kobe2024!", "K0BE-city" and "ｋｏｂｅ" all contain "kobe".
  std::vector<std::string> context_words;
  // The breached-password list; nullptr = no list check.
  std::shared_ptr<const BreachedPasswords> breached;
};

// FieldError codes CheckPassword reports, all on field kPasswordField.
inline constexpr char kPasswordField[] = "new_password";
inline constexpr char kCodeInvalidEncoding[] = "invalid_encoding";      // not UTF-8; reported alone
inline constexpr char kCodeControlCharacters[] = "control_characters";  // C0, DEL or C1
inline constexpr char kCodeTooShort[] = "too_short";
inline constexpr char kCodeTooLong[] = "too_long";
inline constexpr char kCodeTooFewClasses[] = "too_few_classes";
inline constexpr char kCodeContainsLoginId[] = "contains_login_id";
inline constexpr char kCodeDictionaryWord[] = "dictionary_word";
inline constexpr char kCodeTooSimilar[] = "too_similar";
inline constexpr char kCodeBreached[] = "breached";          // on the breached-password list
inline constexpr char kCodeContextWord[] = "context_word";   // contains one of context_words
// The dictionary check is on but no cracklib dictionary is installed. Reported instead of
// passing the password silently: the operator has to install cracklib-runtime (or turn the
// check off in the pack), and this code says so.
inline constexpr char kCodeDictionaryUnavailable[] = "dictionary_unavailable";

// Every rule `password` breaks, one FieldError each, in a fixed order; empty when it is
// acceptable. `login_id` may be empty (no login-id rule then); `old_password` is the
// current password on a self-service change and empty otherwise (no similarity rule then).
//
// The dictionary and similarity checks are libpwquality's (cracklib dictionary, no config
// file read): dictionary_word covers cracklib's verdicts ("based on a dictionary word",
// "too simplistic/systematic", too few different characters) and palindromes;
// too_similar covers the same password, a case change only, a rotation, and fewer than
// kSimilarityEdits edits from the old one. Length and class rules are ours alone.
// Passwords shorter than 6 bytes skip the dictionary (libpwquality will not pass them to
// cracklib); any sane min_length rejects them anyway. Thread-safe (calls into cracklib are
// serialised).
std::vector<FieldError> CheckPassword(const PasswordRules& rules, std::string_view password,
                                      std::string_view login_id,
                                      std::string_view old_password);

// A new password within this many single-character edits (case-insensitive) of the old one
// is too similar (pam_cracklib's classic difok).
inline constexpr int kSimilarityEdits = 5;

// A random temporary password for an administrator to hand over (it must be changed at first
// login). 16 characters (more if min_length is larger, fewer only if max_length is smaller)
// from an alphabet without look-alikes (no I O l o 0 1), with at least one of each class,
// from the libsodium CSPRNG. It is regenerated until CheckPassword(rules, pw, login_id, "")
// accepts it, so it always passes when min_length <= 16 and a dictionary is available; after
// 1000 failed attempts (only possible with unsatisfiable rules) the last candidate is
// returned.
std::string GenerateTemporaryPassword(const PasswordRules& rules,
                                      std::string_view login_id = {});

// The cracklib dictionary CheckPassword uses, as the base path without ".pwd"/".pwi"
// ("/var/cache/cracklib/cracklib_dict" on Debian with cracklib-runtime), or "" when none is
// installed. Found in order: a path set by SetCracklibDictionaryPath, libpwquality's
// compiled-in default, /var/cache/cracklib/cracklib_dict, /usr/share/cracklib/pw_dict.
std::string CracklibDictionaryPath();

// Overrides the dictionary search (from configuration, or tests). An empty path restores the
// search. A path whose files do not exist makes the dictionary unavailable; it does not fall
// back, so a misconfiguration is visible.
void SetCracklibDictionaryPath(std::string base_path);

}  // namespace mamori::auth

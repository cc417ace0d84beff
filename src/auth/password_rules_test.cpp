#include "auth/password_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace mamori::auth {
namespace {

std::vector<std::string> Codes(const std::vector<FieldError>& errors) {
  std::vector<std::string> codes;
  for (const auto& e : errors) {
    EXPECT_EQ(e.field, "new_password");
    codes.push_back(e.code);
  }
  return codes;
}

std::vector<std::string> Check(std::string_view password, std::string_view login_id = "",
                               std::string_view old_password = "",
                               const PasswordRules& rules = PasswordRules{}) {
  return Codes(CheckPassword(rules, password, login_id, old_password));
}

using Codes_t = std::vector<std::string>;

TEST(PasswordRules, DictionaryIsInstalled) {
  // The Debian cracklib-runtime location; if this fails the environment lacks the package.
  EXPECT_FALSE(CracklibDictionaryPath().empty());
}

TEST(PasswordRules, GoodPasswordsPass) {
  EXPECT_EQ(Check("Tr0ub4dor&3x"), Codes_t{});
  EXPECT_EQ(Check("Tr0ub4dor&3x", "yamada.taro", "Correct-Horse-9"), Codes_t{});
  EXPECT_EQ(Check("Kobe-Shiyakusho-2025"), Codes_t{});
  // Non-ASCII counts as a symbol, so kana plus two ASCII classes make three.
  EXPECT_EQ(Check("Hanabi8はなび"), Codes_t{});
}

TEST(PasswordRules, DictionaryWordAndTooFewClasses) {
  EXPECT_EQ(Check("password1"), (Codes_t{"too_few_classes", "dictionary_word"}));
  EXPECT_EQ(Check("Password1!"), Codes_t{"dictionary_word"});
  EXPECT_EQ(Check("qwertyuiop"), (Codes_t{"too_few_classes", "dictionary_word"}));
  EXPECT_EQ(Check("Abcdefg1!"), Codes_t{"dictionary_word"});  // too simplistic/systematic
  EXPECT_EQ(Check("Ab1!!1bA"), Codes_t{"dictionary_word"});   // palindrome
}

TEST(PasswordRules, DictionaryCheckCanBeTurnedOff) {
  PasswordRules rules;
  rules.dictionary_check = false;
  EXPECT_EQ(Check("Password1!", "", "", rules), Codes_t{});
}

TEST(PasswordRules, Length) {
  EXPECT_EQ(Check("Ab1!xyz"), Codes_t{"too_short"});
  EXPECT_EQ(Check("Ab1!xyzw"), Codes_t{});  // exactly 8 (and not in the dictionary)
  EXPECT_EQ(Check(""), (Codes_t{"too_short", "too_few_classes"}));
  PasswordRules rules;
  rules.max_length = 12;
  EXPECT_EQ(Check("Tr0ub4dor&3x", "", "", rules), Codes_t{});
  EXPECT_EQ(Check("Tr0ub4dor&3xy", "", "", rules), Codes_t{"too_long"});
  EXPECT_EQ(Check(std::string(200, 'a') + "B1!"), Codes_t{"too_long"});
}

TEST(PasswordRules, LengthCountsCodePointsNotBytes) {
  // 7 code points in 12 bytes: still too short.
  EXPECT_EQ(Check("Ab1パスワー"), Codes_t{"too_short"});
  // 8 code points in 16 bytes (one is a 4-byte emoji).
  EXPECT_EQ(Check("Ab1パスワー\xF0\x9F\x94\x91"), Codes_t{});
  PasswordRules rules;
  rules.max_length = 10;
  // 10 code points in 24 bytes is not too long.
  EXPECT_EQ(Check("Ab1かきくけこさし", "", "", rules), Codes_t{});
  EXPECT_EQ(Check("Ab1かきくけこさしす", "", "", rules), Codes_t{"too_long"});
}

TEST(PasswordRules, Classes) {
  EXPECT_EQ(Check("lowercaseonlyxq"), (Codes_t{"too_few_classes"}));
  EXPECT_EQ(Check("lowerUPPERxqzv"), Codes_t{"too_few_classes"});
  EXPECT_EQ(Check("lowerUPPER2xqzv"), Codes_t{});
  EXPECT_EQ(Check("lower UPPERxqzv"), Codes_t{});  // space is a symbol
  // Full-width letters are symbols, not upper or lower case.
  EXPECT_EQ(Check("ｌｏｗｅｒＵＰＰＥＲxq"), Codes_t{"too_few_classes"});
  PasswordRules four;
  four.classes_required = 4;
  EXPECT_EQ(Check("lowerUPPER2xqzv", "", "", four), Codes_t{"too_few_classes"});
  EXPECT_EQ(Check("Tr0ub4dor&3x", "", "", four), Codes_t{});
  PasswordRules one;
  one.classes_required = 1;
  one.dictionary_check = false;
  EXPECT_EQ(Check("zzzzzzzzzz", "", "", one), Codes_t{});
}

TEST(PasswordRules, LoginIdIsRejectedCaseInsensitively) {
  EXPECT_EQ(Check("xYamada99!zz", "yamada"), Codes_t{"contains_login_id"});
  EXPECT_EQ(Check("x-YAMADA-99!", "Yamada"), Codes_t{"contains_login_id"});
  EXPECT_EQ(Check("Tr0ub4dor&3x", "yamada"), Codes_t{});
  // Ids shorter than 3 code points are not checked.
  EXPECT_EQ(Check("Tr0ub4dor&3x", "tr"), Codes_t{});
  EXPECT_EQ(Check("Tr0ub4dor&3x", "tr0"), Codes_t{"contains_login_id"});
  PasswordRules off;
  off.reject_login_id = false;
  EXPECT_EQ(Check("xYamada99!zz", "yamada", "", off), Codes_t{});
}

TEST(PasswordRules, ControlCharacters) {
  EXPECT_EQ(Check("Tr0ub4dor&3x\t"), Codes_t{"control_characters"});
  EXPECT_EQ(Check(std::string("Tr0ub4\0dor&3x", 13)), Codes_t{"control_characters"});
  EXPECT_EQ(Check("Tr0ub4dor&3x\x7f"), Codes_t{"control_characters"});
  EXPECT_EQ(Check("Tr0ub4dor&3x\xC2\x85"), Codes_t{"control_characters"});  // U+0085 NEL
}

TEST(PasswordRules, InvalidUtf8IsReportedAlone) {
  EXPECT_EQ(Check("Tr0ub4dor&3x\xff"), Codes_t{"invalid_encoding"});
  EXPECT_EQ(Check("Tr0ub4dor&3x\xC0\xAF"), Codes_t{"invalid_encoding"});      // overlong '/'
  EXPECT_EQ(Check("Tr0ub4dor&3x\xED\xA0\x80"), Codes_t{"invalid_encoding"});  // surrogate
  EXPECT_EQ(Check("Tr0ub4dor&3x\xE3\x81"), Codes_t{"invalid_encoding"});      // truncated
  EXPECT_EQ(Check("Tr0ub4dor&3x\xF4\x90\x80\x80"), Codes_t{"invalid_encoding"});  // > U+10FFFF
  EXPECT_EQ(Check("\x80" "abc"), Codes_t{"invalid_encoding"});
}

TEST(PasswordRules, SimilarityToOldPassword) {
  EXPECT_EQ(Check("Tr0ub4dor&3x", "", "Tr0ub4dor&3x"), Codes_t{"too_similar"});
  EXPECT_EQ(Check("tR0UB4DOR&3X", "", "Tr0ub4dor&3x"), Codes_t{"too_similar"});  // case only
  EXPECT_EQ(Check("Tr0ub4dor&4y", "", "Tr0ub4dor&3x"), Codes_t{"too_similar"});  // 2 edits
  EXPECT_EQ(Check("or&3xTr0ub4d", "", "Tr0ub4dor&3x"), Codes_t{"too_similar"});  // rotation
  EXPECT_EQ(Check("Kobe-Shiyakusho-2025", "", "Tr0ub4dor&3x"), Codes_t{});
  // No old password, no similarity rule.
  EXPECT_EQ(Check("Tr0ub4dor&3x", "", ""), Codes_t{});
}

TEST(PasswordRules, SeveralBrokenRulesAreAllReported) {
  EXPECT_EQ(Check("yamada", "yamada", "yamada"),
            (Codes_t{"too_short", "too_few_classes", "contains_login_id", "dictionary_word",
                     "too_similar"}));
}

TEST(PasswordRules, MissingDictionaryFailsClosed) {
  SetCracklibDictionaryPath("/nonexistent/cracklib_dict");
  EXPECT_EQ(CracklibDictionaryPath(), "");
  EXPECT_EQ(Check("Tr0ub4dor&3x"), Codes_t{"dictionary_unavailable"});
  PasswordRules off;
  off.dictionary_check = false;
  EXPECT_EQ(Check("Tr0ub4dor&3x", "", "", off), Codes_t{});
  SetCracklibDictionaryPath("");
  EXPECT_FALSE(CracklibDictionaryPath().empty());
  EXPECT_EQ(Check("Tr0ub4dor&3x"), Codes_t{});
}

TEST(PasswordRules, TemporaryPasswordsAlwaysPass) {
  const std::string kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789#$%&*+-=?@";
  PasswordRules strict;
  strict.min_length = 16;
  strict.classes_required = 4;
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string pw = GenerateTemporaryPassword(strict, "yamada");
    ASSERT_EQ(pw.size(), 16u);
    EXPECT_EQ(pw.find_first_not_of(kAlphabet), std::string::npos) << pw;
    EXPECT_EQ(CheckPassword(strict, pw, "yamada", "").size(), 0u) << pw;
    EXPECT_EQ(CheckPassword(PasswordRules{}, pw, "", "").size(), 0u) << pw;
    EXPECT_TRUE(std::any_of(pw.begin(), pw.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
    EXPECT_TRUE(std::any_of(pw.begin(), pw.end(), [](char c) { return c >= 'a' && c <= 'z'; }));
    EXPECT_TRUE(std::any_of(pw.begin(), pw.end(), [](char c) { return c >= '0' && c <= '9'; }));
    seen.insert(pw);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(PasswordRules, TemporaryPasswordFollowsLengthLimits) {
  PasswordRules longer;
  longer.min_length = 24;
  EXPECT_EQ(GenerateTemporaryPassword(longer).size(), 24u);
  PasswordRules shorter;
  shorter.max_length = 12;
  std::string pw = GenerateTemporaryPassword(shorter);
  EXPECT_EQ(pw.size(), 12u);
  EXPECT_EQ(CheckPassword(shorter, pw, "", "").size(), 0u);
}

}  // namespace
}  // namespace mamori::auth

namespace mamori::auth {
namespace {

TEST(PasswordRulesBreached, DressedUpCommonPasswordsAreDictionaryWords) {
  PasswordRules rules;
  for (const char* pw : {"P@ssw0rd", "Password123!", "Admin@123", "Welcome@123", "Qwerty!2024", "Sunshine#1"}) {
    auto errors = CheckPassword(rules, pw, "someone", "");
    bool dictionary = false;
    for (const auto& e : errors) dictionary |= e.code == "dictionary_word";
    EXPECT_TRUE(dictionary) << pw;
  }
  // Unrelated strong passwords stay acceptable.
  for (const char* pw : {"Gr33n-Tea!Kyoto", "Blue#Mountain-42", "Tr0ub4dor&3x"})
    EXPECT_TRUE(CheckPassword(rules, pw, "someone", "").empty()) << pw;
}

TEST(PasswordRulesContext, ContextWordsAreFoundDressedUpInAnyCaseWidthOrKana) {
  PasswordRules r;
  r.dictionary_check = false;
  r.context_words = {"kobe", "\u3053\u3046\u3079" /* こうべ */, "\u795e\u6238" /* 神戸 */};
  for (const char* pw : {"Kobe2024!", "K0BE#city77", "xx-KoBe-xx9A", "\uff2b\uff4f\uff42\uff45" "2024!x" /* Ｋｏｂｅ */,
                         "\u30b3\u30a6\u30d9#Pass99" /* コウベ */, "My\u795e\u6238#2024"}) {
    auto errors = CheckPassword(r, pw, "", "");
    EXPECT_NE(std::find(errors.begin(), errors.end(), FieldError{kPasswordField, kCodeContextWord}), errors.end()) << pw;
  }
  for (const char* pw : {"Kyoto#2024x", "Ko-be#2024x", "Kob#2024e"}) {
    auto errors = CheckPassword(r, pw, "", "");
    EXPECT_EQ(std::find(errors.begin(), errors.end(), FieldError{kPasswordField, kCodeContextWord}), errors.end()) << pw;
  }
}

TEST(PasswordRulesBreachedList, ListedPasswordsAreFoundAsTypedOrUndressed) {
  auto list = BreachedPasswords::FromWords({"trustno1", "monkey", "baseball", "p@ssw0rd", "123456789"});
  for (const char* pw : {"trustno1", "TrustNo1!", "Monkey123!", "1Baseball", "m0nkey#7", "!!123456789", "P@SSW0RD"})
    EXPECT_TRUE(list->Contains(pw)) << pw;
  for (const char* pw : {"trustno2x", "Monkeys12!", "Base-ball1", "Blue#Mountain-42", "mon"}) EXPECT_FALSE(list->Contains(pw)) << pw;
  PasswordRules r;
  r.dictionary_check = false;
  r.breached = list;
  auto errors = CheckPassword(r, "Monkey123!", "", "");
  EXPECT_NE(std::find(errors.begin(), errors.end(), FieldError{kPasswordField, kCodeBreached}), errors.end());
  EXPECT_TRUE(CheckPassword(r, "Blue#Mountain-42", "", "").empty());
}

TEST(PasswordRulesBreachedList, TheInstalledListLoadsAndAMissingOneIsNamed) {
  auto list = BreachedPasswords::Load("/usr/share/john/password.lst");
  ASSERT_TRUE(list.ok()) << "install john-data (scripts/install-deps.sh): " << list.error().detail;
  EXPECT_GT((*list)->size(), 3000u);
  EXPECT_TRUE((*list)->Contains("Password1!"));
  EXPECT_FALSE((*list)->Contains("#!comment: This list has been compiled by Solar Designer of Openwall Project"));
  auto missing = BreachedPasswords::Load("/nonexistent/password.lst");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().detail.find("/nonexistent/password.lst"), std::string::npos);
}

}  // namespace
}  // namespace mamori::auth

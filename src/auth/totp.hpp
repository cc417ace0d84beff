// TOTP second factor (RFC 6238 over RFC 4226, HMAC-SHA1, 30 s, 6 digits) and its enrolment
// artefacts: base32 secrets, otpauth:// URIs and QR codes as SVG.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mamori::auth {

inline constexpr int64_t kTotpPeriodSeconds = 30;
inline constexpr int kTotpDigits = 6;
inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226's recommendation

// RFC 4648 section 6 base32, upper case, without padding.
std::string Base32Encode(std::string_view data);
// Accepts upper or lower case, ignores spaces (as people type secrets in groups) and
// trailing '=' padding. nullopt on any other character, an impossible length, or non-zero
// leftover bits (so each byte string has exactly one accepted spelling, modulo case).
std::optional<std::string> Base32Decode(std::string_view text);

// 20 random bytes from the CSPRNG.
std::string NewTotpSecret();

// The HOTP value of `secret_bytes` for counter `time_step` (RFC 4226 section 5.3),
// zero-padded to `digits` (1..9; anything else gives ""). TOTP's counter is
// floor(unix_seconds / 30).
std::string TotpCode(std::string_view secret_bytes, int64_t time_step, int digits = 6);

// Checks a 6-digit `code` against the steps floor(unix_seconds / 30) +- window (window is
// clamped to 0..10). Returns the matched step only when it is greater than
// `last_used_step`; store it and pass it back next time, so no code (and no older code)
// is ever accepted twice. nullopt when `code` is not exactly six ASCII digits, when nothing
// matches, or when the match is not newer than `last_used_step`. Every candidate is
// compared in constant time and all of them are always computed.
std::optional<int64_t> VerifyTotp(std::string_view secret_bytes, std::string_view code,
                                  int64_t unix_seconds, int64_t last_used_step,
                                  int window = 1);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
// with issuer and account percent-encoded as RFC 3986 requires (everything but unreserved
// characters, UTF-8 bytes as %XX). An empty issuer is left out of label and query.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_b32);

// `text` as a QR code (error correction M) drawn as a self-contained SVG: one <path> of
// unit squares on a white background, a 4-module quiet zone, and a viewBox in modules so it
// scales with CSS. Fails (kInternal) when libqrencode cannot encode the text (too long, or it
// contains a NUL).
Result<std::string> QrSvg(std::string_view text);

}  // namespace mamori::auth

#include "auth/totp.hpp"

#include <qrencode.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/crypto.hpp"

namespace mamori::auth {
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// Floor division: a negative time must not round toward zero into the wrong step.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void PercentEncode(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : in) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
}

struct QrFree { void operator()(QRcode* q) const { QRcode_free(q); } };

}  // namespace

std::string Base32Encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : data) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 0x1F]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 0x1F]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  // Trailing padding is tolerated (some authenticator exports keep it); interior '=' is not.
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == '=' || text[end - 1] == ' ')) --end;
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t symbols = 0;
  for (size_t i = 0; i < end; ++i) {
    char c = text[i];
    if (c == ' ') continue;
    int v = Base32Value(c);
    if (v < 0) return std::nullopt;
    ++symbols;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  // Valid groups end after 0, 2, 4, 5 or 7 symbols of 8; and the unused low bits are zero.
  size_t rem = symbols % 8;
  if (rem == 1 || rem == 3 || rem == 6) return std::nullopt;
  if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string NewTotpSecret() { return crypto::RandomBytes(kTotpSecretBytes); }

std::string TotpCode(std::string_view secret_bytes, int64_t time_step, int digits) {
  if (digits < 1 || digits > 9) return {};
  std::array<char, 8> counter{};
  uint64_t c = static_cast<uint64_t>(time_step);
  for (int i = 7; i >= 0; --i) {
    counter[static_cast<size_t>(i)] = static_cast<char>(c & 0xFF);
    c >>= 8;
  }
  std::string mac =
      crypto::HmacSha1(secret_bytes, std::string_view(counter.data(), counter.size()));
  // Dynamic truncation, RFC 4226 section 5.3.
  size_t offset = static_cast<unsigned char>(mac[19]) & 0x0F;
  uint32_t bin = (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset]) & 0x7F) << 24) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 1])) << 16) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 2])) << 8) |
                 static_cast<uint32_t>(static_cast<unsigned char>(mac[offset + 3]));
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(bin % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::optional<int64_t> VerifyTotp(std::string_view secret_bytes, std::string_view code,
                                  int64_t unix_seconds, int64_t last_used_step, int window) {
  if (code.size() != static_cast<size_t>(kTotpDigits) ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  window = std::clamp(window, 0, 10);
  const int64_t current = FloorDiv(unix_seconds, kTotpPeriodSeconds);
  std::optional<int64_t> matched;
  // All candidates are computed and compared so the time taken does not say which step (if
  // any) matched. On the one-in-a-million chance two steps share a code, the latest wins: it
  // burns the most steps for replay.
  for (int64_t step = current - window; step <= current + window; ++step) {
    if (crypto::ConstantTimeEqual(TotpCode(secret_bytes, step, kTotpDigits), code)) matched = step;
  }
  if (!matched || *matched <= last_used_step) return std::nullopt;
  return matched;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_b32) {
  std::string uri = "otpauth://totp/";
  if (!issuer.empty()) {
    PercentEncode(issuer, uri);
    uri.push_back(':');
  }
  PercentEncode(account, uri);
  uri += "?secret=";
  PercentEncode(secret_b32, uri);  // base32 is all unreserved; encoding is a no-op guard
  if (!issuer.empty()) {
    uri += "&issuer=";
    PercentEncode(issuer, uri);
  }
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

Result<std::string> QrSvg(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return Error::Internal("QR text must not contain NUL");
  }
  std::string input(text);
  errno = 0;
  // Version 0 lets libqrencode pick the smallest symbol. The QR_MODE_8 hint keeps UTF-8 as
  // bytes (not Shift_JIS kanji mode) while still letting digit and upper-case runs use the
  // denser numeric and alphanumeric modes.
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeString(input.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!qr) {
    int err = errno;
    return Error::Internal(std::string("QR encoding failed: ") +
                           (err != 0 ? std::strerror(err) : "unknown error"));
  }
  constexpr int kQuiet = 4;
  const int width = qr->width;
  const int size = width + 2 * kQuiet;
  std::string size_text = std::to_string(size);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size_text +
                    " " + size_text + "\" shape-rendering=\"crispEdges\">";
  svg += "<rect width=\"" + size_text + "\" height=\"" + size_text + "\" fill=\"#fff\"/>";
  svg += "<path fill=\"#000\" d=\"";
  // Each horizontal run of dark modules becomes one rectangle, which keeps the path short.
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if (!(qr->data[y * width + x] & 1)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (qr->data[y * width + x + run] & 1)) ++run;
      svg += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h" +
             std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  svg += "\"/></svg>";
  return svg;
}

}  // namespace mamori::auth

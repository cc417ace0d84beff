#include "auth/totp.hpp"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <algorithm>
#include <regex>

#include "common/crypto.hpp"

namespace mamori::auth {
namespace {

const std::string kRfcKey = "12345678901234567890";  // RFC 4226 / RFC 6238 SHA-1 seed

TEST(Base32, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""},           {"f", "MY"},          {"fo", "MZXQ"},          {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base32Encode(plain), encoded);
    EXPECT_EQ(Base32Decode(encoded), std::string(plain));
  }
  // The padded forms of RFC 4648 section 10 are accepted too.
  EXPECT_EQ(Base32Decode("MY======"), std::string("f"));
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======"), std::string("foobar"));
}

TEST(Base32, DecodeIsCaseInsensitiveAndIgnoresSpaces) {
  EXPECT_EQ(Base32Decode("mzxw6ytboi"), std::string("foobar"));
  EXPECT_EQ(Base32Decode("mzxw 6ytb oi"), std::string("foobar"));
  EXPECT_EQ(Base32Decode(" MZXW 6YTB OI "), std::string("foobar"));
}

TEST(Base32, DecodeRejectsMalformedInput) {
  EXPECT_FALSE(Base32Decode("MZXW1").has_value());   // '1' is not in the alphabet
  EXPECT_FALSE(Base32Decode("MZXW0").has_value());
  EXPECT_FALSE(Base32Decode("MZ=XW").has_value());   // interior padding
  EXPECT_FALSE(Base32Decode("M").has_value());       // 1 symbol cannot encode a byte
  EXPECT_FALSE(Base32Decode("MZX").has_value());     // 3 symbols: impossible length
  EXPECT_FALSE(Base32Decode("MZXW6Y").has_value());  // 6 symbols: impossible length
  EXPECT_FALSE(Base32Decode("MZ").has_value());      // "f" is MY; Z leaves non-zero bits
  EXPECT_FALSE(Base32Decode("MZXW6-YTB").has_value());
}

TEST(Base32, RoundTripsRandomSecrets) {
  for (int i = 0; i < 100; ++i) {
    std::string secret = crypto::RandomBytes(static_cast<size_t>(i % 41));
    EXPECT_EQ(Base32Decode(Base32Encode(secret)), secret);
  }
  std::string secret = NewTotpSecret();
  EXPECT_EQ(secret.size(), 20u);
  EXPECT_EQ(Base32Encode(secret).size(), 32u);
  EXPECT_NE(NewTotpSecret(), secret);
}

TEST(Totp, Rfc4226HotpVectors) {
  const char* kExpected[] = {"755224", "287082", "359152", "969429", "338314",
                             "254676", "287922", "162583", "399871", "520489"};
  for (int counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(TotpCode(kRfcKey, counter), kExpected[counter]) << counter;
  }
}

TEST(Totp, Rfc6238AppendixBSha1Vectors) {
  const std::pair<int64_t, const char*> kVectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const auto& [t, code] : kVectors) {
    EXPECT_EQ(TotpCode(kRfcKey, t / kTotpPeriodSeconds, 8), code) << t;
    // The 6-digit code is the same value modulo 10^6.
    EXPECT_EQ(TotpCode(kRfcKey, t / kTotpPeriodSeconds), std::string(code).substr(2)) << t;
  }
}

TEST(Totp, DigitsOutOfRangeGiveEmpty) {
  EXPECT_EQ(TotpCode(kRfcKey, 1, 0), "");
  EXPECT_EQ(TotpCode(kRfcKey, 1, 10), "");
  EXPECT_EQ(TotpCode(kRfcKey, 1, 9).size(), 9u);
}

TEST(Totp, VerifyAcceptsCurrentCodeOnce) {
  // T=59 is step 1, whose 6-digit code is 287082.
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 59, -1), 1);
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 59, 0), 1);
  // Replay: the same step is refused once recorded.
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 59, 1), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 60, 1), std::nullopt);
  // Once a later step was used, an earlier code still inside the window is refused too.
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 59, 2), std::nullopt);
}

TEST(Totp, WindowAllowsOneStepOfClockSkew) {
  // Step 1's code at step 2 (t=60..89) and at step 0 (t=0..29) is within window 1.
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 75, -1), 1);
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 10, -1), 1);
  // Two steps away is not.
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 90, -1), std::nullopt);
  // Window 0 means the current step only; window 2 reaches further.
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 75, -1, 0), std::nullopt);
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 45, -1, 0), 1);
  EXPECT_EQ(VerifyTotp(kRfcKey, "287082", 90, -1, 2), 1);
}

TEST(Totp, VerifyAtRealTimes) {
  const int64_t now = 1111111111;  // step 37037037
  std::string code = TotpCode(kRfcKey, now / 30);
  EXPECT_EQ(code, "050471");
  auto step = VerifyTotp(kRfcKey, code, now, 0);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(*step, now / 30);
  EXPECT_EQ(VerifyTotp(kRfcKey, code, now, *step), std::nullopt);
  // The next code is accepted after the previous one was used.
  std::string next = TotpCode(kRfcKey, now / 30 + 1);
  EXPECT_EQ(VerifyTotp(kRfcKey, next, now + 30, *step), now / 30 + 1);
}

TEST(Totp, VerifyRejectsWrongSecretAndMalformedCodes) {
  EXPECT_EQ(VerifyTotp("another secret 12345", "287082", 59, -1), std::nullopt);
  for (const char* bad : {"", "28708", "2870820", "28708a", " 287082", "287082 ", "+28708",
                          "２８７０８２", "94287082"}) {
    EXPECT_EQ(VerifyTotp(kRfcKey, bad, 59, -1), std::nullopt) << bad;
  }
}

TEST(Totp, OtpauthUriEncodesLabelAndParameters) {
  EXPECT_EQ(OtpauthUri("mamori", "yamada", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/mamori:yamada?secret=JBSWY3DPEHPK3PXP&issuer=mamori"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(OtpauthUri("神戸市 mamori", "yamada@example.jp", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/%E7%A5%9E%E6%88%B8%E5%B8%82%20mamori:yamada%40example.jp"
            "?secret=JBSWY3DPEHPK3PXP&issuer=%E7%A5%9E%E6%88%B8%E5%B8%82%20mamori"
            "&algorithm=SHA1&digits=6&period=30");
  // Reserved characters that would split the label or the query are encoded.
  EXPECT_EQ(OtpauthUri("a:b&c", "x?y#z/", "AA"),
            "otpauth://totp/a%3Ab%26c:x%3Fy%23z%2F?secret=AA&issuer=a%3Ab%26c"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(OtpauthUri("", "yamada", "AA"),
            "otpauth://totp/yamada?secret=AA&algorithm=SHA1&digits=6&period=30");
}

// Sums the widths of all "M x y h w v1 h-w z" rectangles of the path.
int DarkModulesInSvg(const std::string& svg) {
  static const std::regex kRect("M(\\d+) (\\d+)h(\\d+)v1h-(\\d+)z");
  int total = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kRect); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ((*it)[3].str(), (*it)[4].str());
    total += std::stoi((*it)[3].str());
  }
  return total;
}

TEST(TotpQr, SvgIsCompactAndMatchesTheSymbol) {
  std::string uri = OtpauthUri("mamori", "yamada", Base32Encode(kRfcKey));
  auto svg = QrSvg(uri);
  ASSERT_TRUE(svg.ok()) << svg.error().detail;
  EXPECT_EQ(svg->rfind("<svg", 0), 0u);
  EXPECT_EQ(svg->substr(svg->size() - 6), "</svg>");
  EXPECT_EQ(std::count(svg->begin(), svg->end(), '<'), 4);  // svg, rect, path, /svg

  QRcode* qr = QRcode_encodeString(uri.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  ASSERT_NE(qr, nullptr);
  int dark = 0;
  for (int i = 0; i < qr->width * qr->width; ++i) dark += qr->data[i] & 1;
  std::string size = std::to_string(qr->width + 8);
  EXPECT_NE(svg->find("viewBox=\"0 0 " + size + " " + size + "\""), std::string::npos);
  // The top-left finder pattern starts at the quiet-zone offset with a run of 7.
  EXPECT_NE(svg->find("M4 4h7v1h-7z"), std::string::npos);
  EXPECT_EQ(DarkModulesInSvg(*svg), dark);
  QRcode_free(qr);
}

TEST(TotpQr, SmallestSymbolForShortText) {
  auto svg = QrSvg("A");
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find("viewBox=\"0 0 29 29\""), std::string::npos);  // version 1: 21 + 8
}

TEST(TotpQr, RejectsWhatCannotBeEncoded) {
  auto too_long = QrSvg(std::string(5000, 'x'));  // over version 40-M capacity
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(QrSvg(std::string("a\0b", 3)).ok());
}

}  // namespace
}  // namespace mamori::auth

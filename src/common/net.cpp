#include "common/net.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace mamori::net {

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf)) return {};
  return buf;
}

std::optional<IpAddress> ParseIp(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes.data(), kMapped, sizeof kMapped) == 0) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
    return v4;
  }
  a.v6 = true;
  return a;
}

bool IpNetwork::Contains(const IpAddress& a) const {
  if (a.v6 != base.v6) return false;
  int bits = prefix;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

std::optional<IpNetwork> ParseNetwork(std::string_view text) {
  const size_t slash = text.find('/');
  auto base = ParseIp(text.substr(0, slash));
  if (!base) return std::nullopt;
  IpNetwork n{*base, base->Bits()};
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
    n.prefix = std::stoi(std::string(digits));
    if (n.prefix > base->Bits()) return std::nullopt;
  }
  return n;
}

std::string ThrottleKey(const std::string& address) {
  auto a = ParseIp(address);
  if (!a) return address;
  if (!a->v6) return a->ToString();
  std::fill(a->bytes.begin() + 8, a->bytes.end(), uint8_t{0});
  return a->ToString() + "/64";
}

}  // namespace mamori::net

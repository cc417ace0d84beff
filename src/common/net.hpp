// IP addresses and networks as text: parsing, prefix membership, and the key an address is
// counted under by the sign-in throttle. No name resolution, no sockets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::net {

// An IPv4 or IPv6 address; IPv4 (and IPv4-mapped IPv6, ::ffff:a.b.c.d) is held as IPv4.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  int Bits() const { return v6 ? 128 : 32; }
  std::string ToString() const;
  bool operator==(const IpAddress&) const = default;
};

// A literal address ("192.0.2.1", "2001:db8::1"; no brackets, no zone, no port), or nullopt.
std::optional<IpAddress> ParseIp(std::string_view text);

// An address with a prefix length: "10.0.0.0/8", "2001:db8::/32", or one address ("127.0.0.1"
// is /32, "::1" is /128).
struct IpNetwork {
  IpAddress base;
  int prefix = 0;
  bool Contains(const IpAddress& a) const;
};

// nullopt when the text is not an address or network, or the prefix is out of range.
std::optional<IpNetwork> ParseNetwork(std::string_view text);

// The key a client address is counted under: an IPv4 address as is, an IPv6 address by its
// /64 (one subscriber's allocation, so rotating through it does not escape a limit). Text that
// is no address is its own key.
std::string ThrottleKey(const std::string& address);

}  // namespace mamori::net

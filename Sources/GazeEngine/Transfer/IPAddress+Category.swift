/// What kind of network an address belongs to, as far as reaching it from a server goes.
///
/// Everything but ``global`` is somewhere a user-supplied URL must not point a server at: the server itself,
/// its private network, or its cloud provider's metadata service.
public enum AddressCategory: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Routable on the public internet.
    case global
    /// This host (127/8, ::1).
    case loopback
    /// Private networks: RFC 1918, 100.64/10 carrier-grade NAT, fc00::/7 unique local, fec0::/10 site-local.
    case `private`
    /// 169.254/16 and fe80::/10.
    case linkLocal = "link-local"
    /// A cloud provider's instance metadata service (169.254.169.254, fd00:ec2::254, 100.100.100.200).
    case cloudMetadata = "cloud metadata"
    /// 224/4 and ff00::/8.
    case multicast
    /// 0.0.0.0/8 and ::, which connect to this host on most systems.
    case unspecified
    /// 255.255.255.255.
    case broadcast
    /// Documentation, benchmarking, protocol-assignment, future-use and unallocated ranges.
    case reserved

    /// The reason as the product words it: "loopback", "cloud metadata", …
    public var description: String { rawValue }

    /// "a loopback address", "an unspecified address": the noun phrase for messages.
    var addressPhrase: String {
        let article = self == .unspecified ? "an" : "a"
        return "\(article) \(rawValue) address"
    }
}

extension IPAddress {
    /// The category this address falls in; addresses that embed an IPv4 address (mapped, compatible, NAT64,
    /// 6to4, Teredo) are judged by the IPv4 address they lead to.
    public var category: AddressCategory {
        switch self {
        case .v4(let value): return Self.category(ofIPv4: value)
        case .v6(let high, let low): return Self.category(ofIPv6High: high, low: low)
        }
    }

    private static func category(ofIPv4 address: UInt32) -> AddressCategory {
        if address == 0xA9FE_A9FE || address == 0x6464_64C8 { return .cloudMetadata }  // 169.254.169.254, 100.100.100.200
        if address == 0xFFFF_FFFF { return .broadcast }
        for (prefix, length, category) in ipv4Table where address >> (32 - length) == prefix >> (32 - length) {
            return category
        }
        return .global
    }

    /// IPv4 ranges other than global unicast, most specific first.
    private static let ipv4Table: [(prefix: UInt32, length: UInt32, category: AddressCategory)] = [
        (0x0000_0000, 8, .unspecified),  // 0.0.0.0/8 "this network"
        (0x0A00_0000, 8, .private),  // 10/8
        (0x6440_0000, 10, .private),  // 100.64/10 carrier-grade NAT
        (0x7F00_0000, 8, .loopback),  // 127/8
        (0xA9FE_0000, 16, .linkLocal),  // 169.254/16
        (0xAC10_0000, 12, .private),  // 172.16/12
        (0xC000_0000, 24, .reserved),  // 192.0.0/24 IETF protocol assignments
        (0xC000_0200, 24, .reserved),  // 192.0.2/24 TEST-NET-1
        (0xC058_6300, 24, .reserved),  // 192.88.99/24 former 6to4 relay anycast
        (0xC0A8_0000, 16, .private),  // 192.168/16
        (0xC612_0000, 15, .reserved),  // 198.18/15 benchmarking
        (0xC633_6400, 24, .reserved),  // 198.51.100/24 TEST-NET-2
        (0xCB00_7100, 24, .reserved),  // 203.0.113/24 TEST-NET-3
        (0xE000_0000, 4, .multicast),  // 224/4
        (0xF000_0000, 4, .reserved),  // 240/4 future use
    ]

    private static func category(ofIPv6High high: UInt64, low: UInt64) -> AddressCategory {
        let embedded = UInt32(truncatingIfNeeded: low)
        if high == 0 {
            if low == 0 { return .unspecified }
            if low == 1 { return .loopback }
            // ::ffff:a.b.c.d connects to the IPv4 address itself on a dual-stack socket.
            if low >> 32 == 0xFFFF { return category(ofIPv4: embedded) }
            // ::a.b.c.d (IPv4-compatible, deprecated) is never routed; say why when the IPv4 part is bad.
            if low >> 32 == 0 {
                let inner = category(ofIPv4: embedded)
                return inner == .global ? .reserved : inner
            }
            return .reserved
        }
        if high == 0x0064_FF9B_0000_0000, low >> 32 == 0 {
            return category(ofIPv4: embedded)  // 64:ff9b::/96 NAT64 reaches the embedded IPv4 address
        }
        if high >> 16 == 0x0064_FF9B_0001 { return .private }  // 64:ff9b:1::/48 local-use NAT64
        if high == 0x0100_0000_0000_0000 { return .reserved }  // 100::/64 discard-only
        if high == 0xFD00_0EC2_0000_0000, low == 0x254 { return .cloudMetadata }  // fd00:ec2::254 (AWS)
        if high >> 32 == 0x2001_0DB8 || high >> 44 == 0x3FFF_0 { return .reserved }  // 2001:db8::/32, 3fff::/20 documentation
        if high >> 32 == 0x2001_0000 {
            return category(ofIPv4: ~embedded)  // Teredo: the client's IPv4 address is the last 32 bits, inverted
        }
        if high >> 48 == 0x2002 {
            return category(ofIPv4: UInt32(truncatingIfNeeded: high >> 16))  // 6to4: the IPv4 address is bits 16–47
        }
        if high >> 36 == 0x2001_001 || high >> 16 == 0x2001_0002_0000 { return .reserved }  // ORCHID 2001:10::/28, benchmarking 2001:2::/48
        switch high >> 56 {
        case 0xFF: return .multicast
        case 0xFC, 0xFD: return .private  // fc00::/7 unique local
        case 0xFE:
            let top10 = high >> 54
            if top10 == 0x3FA { return .linkLocal }  // fe80::/10
            if top10 == 0x3FB { return .private }  // fec0::/10 site-local, deprecated
            return .reserved
        default:
            // Only 2000::/3 is allocated for global unicast; the rest is reserved.
            return high >> 61 == 0b001 ? .global : .reserved
        }
    }
}

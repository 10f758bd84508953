#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address, as the bytes a socket would connect to.
///
/// Parsing accepts every spelling a URL host can smuggle an address in: IPv4 with `inet_aton` semantics
/// (`2130706433`, `0x7f.0.0.1`, `0177.0.0.1`, `127.1`) and IPv6 with or without brackets. Those spellings
/// are what `getaddrinfo` would also accept, so the policy must see through them before classifying.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in host byte order (`127.0.0.1` is `0x7F00_0001`).
    case v4(UInt32)
    /// The 128 bits, most significant first.
    case v6(high: UInt64, low: UInt64)

    /// Parses a URL host or address literal; `nil` when `text` is not one (for example a host name).
    ///
    /// Brackets around an IPv6 literal and one trailing dot are ignored. A zone id (`fe80::1%eth0`) is not
    /// part of an address: such text is not parsed (see ``AddressPolicy`` for how hosts with one are treated).
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.first == "[", text.last == "]" { text = text.dropFirst().dropLast() }
        if text.last == ".", !text.contains(":") { text = text.dropLast() }
        if let value = Self.parseIPv4(text) {
            self = .v4(value)
        } else if let address = Self.parseIPv6(text) {
            self = address
        } else {
            return nil
        }
    }

    /// Makes an address from 4 or 16 network-order bytes; `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4: self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let high = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = .v6(high: high, low: low)
        default: return nil
        }
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for, else `nil`.
    public var unmappedIPv4: IPAddress? {
        guard case .v6(let high, let low) = self, high == 0, low >> 32 == 0xFFFF else { return nil }
        return .v4(UInt32(truncatingIfNeeded: low))
    }

    /// Canonical text: dotted decimal, or RFC 5952 IPv6 (`::1`, `::ffff:127.0.0.1`), without brackets.
    public var description: String {
        switch self {
        case .v4:
            return bytes.map(String.init).joined(separator: ".")
        case .v6:
            var address = in6_addr()
            let raw = bytes
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: raw) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            // inet_ntop only fails for an unknown family or a short buffer, and neither can happen here.
            guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return raw.description }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// The address as a URL host: IPv6 in brackets.
    public var urlHost: String {
        if case .v6 = self { return "[\(description)]" }
        return description
    }

    // MARK: - Parsing

    /// `inet_aton` without its laxness about trailing text: 1 to 4 parts, each decimal, octal (leading 0) or
    /// hex (0x); the last part fills all the bytes the earlier ones left.
    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var value: UInt32 = 0
        for (index, part) in parts.enumerated() {
            guard let number = parseIPv4Part(part) else { return nil }
            let isLast = index == parts.count - 1
            // Earlier parts are one byte each; the last one takes the remaining (5 - count) bytes.
            let limit: UInt64 = isLast ? (1 << (8 * UInt64(5 - parts.count))) - 1 : 255
            guard number <= limit else { return nil }
            value |= isLast ? UInt32(number) : UInt32(number) << (24 - 8 * UInt32(index))
        }
        return value
    }

    private static func parseIPv4Part(_ part: Substring) -> UInt64? {
        var digits = part.utf8[...]
        var radix: UInt64 = 10
        if digits.starts(with: "0x".utf8) || digits.starts(with: "0X".utf8) {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.first == UInt8(ascii: "0") {
            radix = 8
            digits = digits.dropFirst()
        } else if digits.isEmpty {
            return nil
        }
        // As glibc does, a bare "0x" is zero.
        var number: UInt64 = 0
        for byte in digits {
            guard let digit = hexDigit(byte), UInt64(digit) < radix else { return nil }
            number = number * radix + UInt64(digit)
            // Anything past 32 bits is no address, and stopping here keeps the arithmetic from overflowing.
            guard number <= UInt64(UInt32.max) else { return nil }
        }
        return number
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// IPv6 through the C library's `inet_pton`, which also takes an embedded dotted quad (`::ffff:1.2.3.4`).
    private static func parseIPv6(_ text: Substring) -> IPAddress? {
        guard text.contains(":"), text.utf8.count < Int(INET6_ADDRSTRLEN) else { return nil }
        var address = in6_addr()
        guard String(text).withCString({ inet_pton(AF_INET6, $0, &address) }) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { IPAddress(bytes: $0) }
    }
}

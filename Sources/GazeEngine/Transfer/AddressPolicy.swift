import Foundation

/// Which hosts outbound HTTP requests may go to: the guard against server-side request forgery.
///
/// ``publicOnly`` resolves a URL's host once, refuses it when any of its addresses is not ``AddressCategory/global``
/// (loopback, private, link-local, cloud metadata, …), and hands back the checked address so the request connects
/// to exactly that address; a second lookup, which a hostile DNS server could answer differently, never happens.
///
/// ``allowAll`` checks only that the URL is http(s) with a host. It neither resolves nor pins, so the HTTP client
/// does its own lookup as it always did: the setting for a command-line tool run by the person it fetches for.
public struct AddressPolicy: Sendable {
    private enum Rule: Sendable {
        case allowAll
        case publicOnly(exceptions: Set<IPAddress>)
    }

    private let rule: Rule

    /// Only addresses on the public internet; what a server fetching user-supplied URLs needs.
    public static let publicOnly = AddressPolicy(rule: .publicOnly(exceptions: []))
    /// Any host; no lookup and no pinning.
    public static let allowAll = AddressPolicy(rule: .allowAll)

    /// This policy, also allowing `addresses`: a known internal host, or a test server on 127.0.0.1.
    ///
    /// Exceptions are exact addresses; a name such as `localhost` is still refused by name. Under ``allowAll``,
    /// which allows everything already, this changes nothing.
    public func allowing(_ addresses: some Sequence<IPAddress>) -> AddressPolicy {
        guard case .publicOnly(let exceptions) = rule else { return self }
        return AddressPolicy(rule: .publicOnly(exceptions: exceptions.union(addresses)))
    }

    /// Whether this policy resolves hosts and checks their addresses.
    public var checksAddresses: Bool {
        if case .publicOnly = rule { return true }
        return false
    }

    /// The category that makes this policy refuse `address`, or `nil` when the address is allowed.
    public func refusal(of address: IPAddress) -> AddressCategory? {
        guard case .publicOnly(let exceptions) = rule, !exceptions.contains(address) else { return nil }
        let category = address.category
        return category == .global ? nil : category
    }

    /// Checks `url` and resolves its host to the address a request must connect to.
    ///
    /// Under ``publicOnly`` an address literal in any spelling is classified as is; a name is refused when it is
    /// `localhost` or under `.localhost`, and otherwise resolved with `getaddrinfo`, every answer checked.
    ///
    /// - Parameter timeout: The longest the name lookup may take.
    /// - Throws: ``URLRefusal``: `.notAllowed` for a non-http(s) URL, a missing host or a refused address;
    ///   `.unreachable` when the name does not resolve in time.
    public func resolve(_ url: URL, timeout: Duration = .seconds(10)) async throws(URLRefusal) -> ResolvedHost {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw URLRefusal(.notAllowed, "its scheme is not http or https")
        }
        // The same reading of the host as AsyncHTTPClient's (percent-decoded, brackets dropped), so a pin
        // keyed by it is the one the client looks up.
        guard let host = url.host.map(Self.withoutBrackets), !host.isEmpty else {
            throw URLRefusal(.notAllowed, "it has no host")
        }
        guard checksAddresses else { return ResolvedHost(host: host, address: nil) }

        // A zone id only means something for link-local and similar addresses; none of them is allowed.
        guard !host.contains("%") else { throw URLRefusal(.notAllowed, "its host has an IPv6 zone id (\(host))") }
        if let literal = IPAddress(host) {
            try check(literal, resolved: false)
            return ResolvedHost(host: host, address: Self.connectable(literal))
        }
        let name = Self.normalisedName(host)
        if name == "localhost" || name.hasSuffix(".localhost") {
            throw URLRefusal(.notAllowed, "its host is a loopback name (\(host))", category: .loopback)
        }
        let addresses: [IPAddress]
        switch await HostLookup.addresses(of: host, timeout: timeout) {
        case .success(let found): addresses = found
        case .failure(.notFound(let code)):
            throw URLRefusal(.unreachable, code == EAI_AGAIN ? "the host name lookup failed" : "host not found")
        case .failure(.timedOut): throw URLRefusal(.unreachable, "the host name lookup timed out")
        case .failure(.cancelled): throw URLRefusal(.unreachable, "the request was cancelled")
        }
        // One bad answer refuses the host: a name that resolves to both a public and a private address could
        // otherwise reach the private one on some later request.
        for address in addresses { try check(address, resolved: true) }
        guard let first = addresses.first else { throw URLRefusal(.unreachable, "host not found") }
        return ResolvedHost(host: host, address: Self.connectable(first))
    }

    /// Checks pre-resolved `addresses` for `host` as ``resolve(_:timeout:)`` would, for callers with their own resolver.
    /// - Throws: ``URLRefusal`` (`.notAllowed`) naming the first refused address.
    public func check(host: String, addresses: [IPAddress]) throws(URLRefusal) {
        guard checksAddresses else { return }
        let name = Self.normalisedName(host)
        if name == "localhost" || name.hasSuffix(".localhost") {
            throw URLRefusal(.notAllowed, "its host is a loopback name (\(host))", category: .loopback)
        }
        for address in addresses { try check(address, resolved: IPAddress(host) == nil) }
    }

    private func check(_ address: IPAddress, resolved: Bool) throws(URLRefusal) {
        guard let category = refusal(of: address) else { return }
        let verb = resolved ? "resolves to" : "is"
        throw URLRefusal(.notAllowed, "its host \(verb) \(category.addressPhrase) (\(address))", category: category, address: address)
    }

    /// An IPv4-mapped address is connected to as the IPv4 address it stands for, which works without IPv6.
    private static func connectable(_ address: IPAddress) -> IPAddress { address.unmappedIPv4 ?? address }

    private static func withoutBrackets(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// Lower case without the trailing dot of a fully qualified name, so `LOCALHOST.` compares as `localhost`.
    private static func normalisedName(_ host: String) -> String {
        var name = host.lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        return name
    }
}

/// A URL's host and, when the policy checked it, the address to connect to instead of resolving the host again.
public struct ResolvedHost: Sendable, Equatable {
    /// The host as the HTTP client reads it from the URL: percent-decoded, without IPv6 brackets.
    public var host: String
    /// The checked address; `nil` when the policy does not check (``AddressPolicy/allowAll``).
    public var address: IPAddress?
}

/// Why a URL may not be requested, or why its host could not be resolved.
///
/// Callers turn it into their own error, naming the URL: `message(for: "Source URL")` gives
/// "Source URL is not allowed: its host resolves to a loopback address (127.0.0.1)."
public struct URLRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The policy forbids the URL.
        case notAllowed
        /// The host name did not resolve (in time); a network failure rather than a verdict.
        case unreachable
    }

    public var kind: Kind
    /// The reason, completing "… is not allowed: " or "… could not be reached: ".
    public var description: String
    /// The category of the refused address, when an address (or `localhost`) was the reason.
    public var category: AddressCategory?
    /// The refused address, when there is one.
    public var address: IPAddress?

    public init(_ kind: Kind, _ description: String, category: AddressCategory? = nil, address: IPAddress? = nil) {
        self.kind = kind
        self.description = description
        self.category = category
        self.address = address
    }

    /// A full sentence about `subject` ("Source URL", "Webhook URL"), in the product's wording.
    public func message(for subject: String) -> String {
        switch kind {
        case .notAllowed: return "\(subject) is not allowed: \(description)."
        case .unreachable: return "\(subject) could not be reached: \(description)."
        }
    }
}

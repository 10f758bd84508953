import AsyncHTTPClient
import Foundation
import NIOCore

/// One HTTP request, one hop, to an address an ``AddressPolicy`` checked.
///
/// Each call resolves and checks the URL's host, then runs the request on a client of its own whose
/// `dnsOverride` maps the host to the checked address: the client connects there without a second lookup,
/// while TLS still sends and verifies the host name (SNI) and the `Host` header keeps the name. Redirects are
/// never followed: a 3xx comes back as is, for the caller to re-check and follow, or not.
public enum PinnedHTTP {
    /// The client settings used when the caller gives none: 10 s to connect, 90 s of silence before a read fails.
    public static var defaultConfiguration: HTTPClient.Configuration {
        HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(90)))
    }

    /// Sends `request` once and passes the response to `handle`, which may stream the body; the client is shut
    /// down when `handle` returns or anything throws, which also ends a body `handle` left unread.
    ///
    /// - Parameters:
    ///   - request: The request; its URL's host is the one checked and pinned.
    ///   - policy: Decides which addresses are allowed. Under ``AddressPolicy/allowAll`` nothing is pinned.
    ///   - deadline: When the host lookup and the response head must be done by.
    ///   - configuration: Client settings; its redirect setting and DNS overrides are replaced.
    ///   - handle: Reads the response; what it returns is returned.
    /// - Throws: ``URLRefusal`` when the policy refuses the host or the host does not resolve;
    ///   `HTTPClientError` and NIO errors from the request; whatever `handle` throws.
    nonisolated(nonsending)
    public static func execute<Output>(
        _ request: HTTPClientRequest, policy: AddressPolicy, deadline: NIODeadline,
        configuration: HTTPClient.Configuration = defaultConfiguration,
        handle: nonisolated(nonsending) (HTTPClientResponse) async throws -> Output
    ) async throws -> Output {
        // The client parses the URL the same way; a string it could not parse fails there the same way.
        guard let url = URL(string: request.url) else { throw HTTPClientError.invalidURL }
        let remaining = deadline - .now()
        let lookupTimeout = Duration.nanoseconds(max(0, min(remaining.nanoseconds, TimeAmount.seconds(30).nanoseconds)))
        let resolved = try await policy.resolve(url, timeout: lookupTimeout)

        var settings = configuration
        settings.redirectConfiguration = .disallow
        settings.dnsOverride = [:]
        if let address = resolved.address { settings.dnsOverride[resolved.host] = address.description }
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
        do {
            let response = try await client.execute(request, deadline: deadline)
            let output = try await handle(response)
            try await client.shutdown()
            return output
        } catch {
            // The request's own error is the one worth reporting, not a failure to shut down after it.
            try? await client.shutdown()
            throw error
        }
    }
}

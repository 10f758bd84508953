import Foundation
import GazeEngine

/// Refuses, when a request is made, URLs the server will not fetch or post to (private, loopback, metadata …
/// addresses, unless private URLs are allowed). The same policy is applied again when the URL is used, to
/// the address actually connected to, so a name that changes its answer later gains nothing.
struct URLChecker: Sendable {
    let policy: AddressPolicy

    func check(_ url: URL, param: String) async throws(APIError) {
        guard policy.checksAddresses else { return }
        do {
            _ = try await policy.resolve(url, timeout: .seconds(5))
        } catch where error.kind == .notAllowed {
            throw .invalid(param, error.message(for: param))
        } catch {
            // A name that does not resolve now may later; the download or delivery reports it then.
        }
    }
}

import Crypto
import Foundation

/// Signs webhook deliveries as Standard Webhooks defines it: the key is the base64 part of the `whsec_`
/// secret, the signed content `"{webhook-id}.{webhook-timestamp}.{body}"`, the header `v1,<base64 HMAC-SHA256>`.
struct WebhookSigner: Sendable {
    static let prefix = "whsec_"
    private let key: SymmetricKey

    /// - Returns: `nil` when `secret` is not a `whsec_` secret with a base64 key.
    init?(secret: String) {
        guard secret.hasPrefix(Self.prefix), let key = Data(base64Encoded: String(secret.dropFirst(Self.prefix.count))),
            !key.isEmpty
        else { return nil }
        self.key = SymmetricKey(data: key)
    }

    func signature(id: String, timestamp: Int64, body: Data) -> String {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: content, using: key)).base64EncodedString()
    }

    /// The three headers of a delivery.
    func headers(id: String, timestamp: Int64, body: Data) -> [(String, String)] {
        [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
         ("webhook-signature", signature(id: id, timestamp: timestamp, body: body))]
    }
}

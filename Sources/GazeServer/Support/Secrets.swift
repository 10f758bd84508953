import Crypto
import Foundation

/// API tokens, webhook secrets and signed artifact URLs.
enum Secrets {
    /// 32 random bytes from the system's CSPRNG.
    static func randomKey() -> SymmetricKey { SymmetricKey(size: .bits256) }

    /// A new API token: shown to its owner once, stored only as its hash.
    static func newToken() -> String {
        "gz_" + base64URL(randomKey().withUnsafeBytes { Data($0) })
    }

    /// What the database keeps of a token. Tokens are 256 random bits, so a plain SHA-256 is enough (no
    /// password stretching needed), and it lets the lookup be an index seek.
    static func tokenHash(_ token: String) -> String { sha256Hex(token) }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A Standard Webhooks secret: `whsec_` + base64 of a 256-bit key.
    static func newWebhookSecret() -> String {
        "whsec_" + randomKey().withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Signs and checks expiring artifact URLs: HMAC-SHA256 over the path and the expiry time.
struct URLSigner: Sendable {
    let key: SymmetricKey

    func signature(path: String, expires: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(path)\n\(expires)".utf8), using: key)
        return Secrets.base64URL(Data(mac))
    }

    /// The query string that makes `path` downloadable until `expires` (Unix seconds).
    func query(path: String, expires: Int64) -> String {
        "expires=\(expires)&signature=\(signature(path: path, expires: expires))"
    }

    enum Verdict: Equatable { case valid, expired, invalid }

    func verify(path: String, expires: Int64?, signature: String?, now: Date = Date()) -> Verdict {
        guard let expires, let signature else { return .invalid }
        let expected = Data(self.signature(path: path, expires: expires).utf8)
        // Constant-time comparison, so the signature cannot be found byte by byte from response times.
        guard expected.count == signature.utf8.count,
            zip(expected, Data(signature.utf8)).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0
        else { return .invalid }
        return Int64(now.timeIntervalSince1970) <= expires ? .valid : .expired
    }
}

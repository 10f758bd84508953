import Foundation

/// The body of `POST /v1/tasks/gaze-redirect`, validated field by field.
struct CreateTaskRequest: Equatable, Sendable {
    static let maxMetadataKeys = 50
    static let maxMetadataKeyLength = 40
    static let maxMetadataValueLength = 500
    static let fields: Set<String> = ["source_url", "metadata", "webhook_url", "intensity"]

    var sourceURL: URL
    var metadata: [String: String]
    var webhookURL: URL?
    var intensity: Double

    /// - Throws: 400 errors naming the parameter: missing, unknown, of the wrong type or out of range.
    init(json data: Data) throws(APIError) {
        let body = try JSONValue.object(from: data)
        try JSONValue.rejectUnknown(body, known: Self.fields)

        guard let source = body["source_url"], source != .null else { throw .missing("source_url") }
        sourceURL = try URLParameter.parse(source, name: "source_url")
        switch body["webhook_url"] {
        case nil, .null?: webhookURL = nil
        case let value?: webhookURL = try URLParameter.parse(value, name: "webhook_url")
        }

        switch body["intensity"] {
        case nil: intensity = 1
        case .number(let value)? where (0...1).contains(value): intensity = value
        case .number?: throw .invalid("intensity", "intensity must be between 0 and 1.")
        case let other?: throw .invalid("intensity", "intensity must be a number, not \(other.typeName).")
        }

        metadata = [:]
        switch body["metadata"] {
        case nil: break
        case .object(let object)?:
            guard object.count <= Self.maxMetadataKeys else {
                throw .invalid("metadata", "metadata can have at most \(Self.maxMetadataKeys) keys.")
            }
            for (key, value) in object {
                guard (1...Self.maxMetadataKeyLength).contains(key.count) else {
                    throw .invalid("metadata", "metadata keys must be between 1 and \(Self.maxMetadataKeyLength) characters.")
                }
                guard case .string(let string) = value else {
                    throw .invalid("metadata", "metadata values must be strings; \"\(key)\" is \(value.typeName).")
                }
                guard string.count <= Self.maxMetadataValueLength else {
                    throw .invalid("metadata", "metadata values can be at most \(Self.maxMetadataValueLength) characters; \"\(key)\" is longer.")
                }
                metadata[key] = string
            }
        case let other?: throw .invalid("metadata", "metadata must be an object of strings, not \(other.typeName).")
        }
    }

    /// A digest of what was asked (not of the bytes sent), so the same request with other whitespace or key
    /// order is the same request for idempotency.
    var fingerprint: String {
        // Length-prefixed fields: no value can be crafted to read as another field.
        func field(_ text: String) -> String { "\(text.utf8.count):\(text);" }
        var canonical = field(sourceURL.absoluteString) + field(webhookURL?.absoluteString ?? "-") + field("\(intensity)")
        for key in metadata.keys.sorted() { canonical += field(key) + field(metadata[key] ?? "") }
        return Secrets.sha256Hex(canonical)
    }
}

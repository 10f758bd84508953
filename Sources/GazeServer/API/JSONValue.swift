import Foundation

/// A parsed JSON value that keeps booleans, numbers and strings apart, so request validation can name the
/// parameter with the wrong type instead of failing as a whole.
enum JSONValue: Decodable, Equatable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        // Bool first: JSONDecoder refuses to read a number as a Bool and a Bool as a number, so the order is safe.
        else if let value = try? c.decode(Bool.self) { self = .bool(value) }
        else if let value = try? c.decode(Double.self) { self = .number(value) }
        else if let value = try? c.decode(String.self) { self = .string(value) }
        else if let value = try? c.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// A JSON object, or `invalid_json` naming what was sent instead.
    static func object(from data: Data) throws(APIError) -> [String: JSONValue] {
        guard !data.isEmpty else { throw .invalidJSON("The request body must be a JSON object.") }
        let value: JSONValue
        do { value = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw .invalidJSON("The request body is not valid JSON.")
        }
        guard case .object(let object) = value else { throw .invalidJSON("The request body must be a JSON object.") }
        return object
    }

    /// Refuses the first field of `object` (in name order) that is not in `known`.
    static func rejectUnknown(_ object: [String: JSONValue], known: Set<String>) throws(APIError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) { throw .unknown(unknown) }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Checks for the URL parameters: http(s), a host, at most 2083 characters.
enum URLParameter {
    static let maxLength = 2083

    static func parse(_ value: JSONValue, name: String) throws(APIError) -> URL {
        guard case .string(let string) = value else { throw .invalid(name, "\(name) must be a string, not \(value.typeName).") }
        guard (1...maxLength).contains(string.count) else {
            throw .invalid(name, "\(name) must be between 1 and \(maxLength) characters.")
        }
        guard !string.contains(where: { $0.isWhitespace || $0.isNewline }), let url = URL(string: string),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { throw .invalid(name, "\(name) must be an absolute http or https URL.") }
        return url
    }
}

import Foundation

extension OpenAPIDocument {
    /// A parsed JSON value. Numbers are kept as `Double` (exact for integers up to 2^53).
    indirect enum JSON: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([JSON])
        case object([String: JSON])

        /// Parses JSON text; top-level scalars are allowed.
        init(parsing data: Data) throws {
            try self.init(foundation: JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
        }

        /// Converts what `JSONSerialization` returns.
        init(foundation value: Any) throws {
            switch value {
            case is NSNull: self = .null
            case let string as String: self = .string(string)
            case let number as NSNumber: self = JSON.isBoolean(number) ? .bool(number.boolValue) : .number(number.doubleValue)
            case let array as [Any]: self = .array(try array.map(JSON.init(foundation:)))
            case let object as [String: Any]: self = .object(try object.mapValues(JSON.init(foundation:)))
            default: throw OpenAPIDocumentError("not a JSON value: \(type(of: value))")
            }
        }

        /// Whether an `NSNumber` from `JSONSerialization` stands for `true`/`false`.
        ///
        /// `number as? Bool` cannot tell: on swift-corelibs-foundation it also succeeds for the numbers 0, 1 and
        /// 1.0. Both Foundations return JSON booleans as their dedicated boolean subclass (`__NSCFBoolean`) with
        /// `objCType` "c", while JSON numbers come back as plain `NSNumber`s typed "i", "q", "Q" or "d".
        static func isBoolean(_ number: NSNumber) -> Bool {
            ObjectIdentifier(type(of: number)) == ObjectIdentifier(type(of: NSNumber(value: true)))
                || String(cString: number.objCType) == "c"
        }

        subscript(key: String) -> JSON? {
            if case .object(let members) = self { return members[key] }
            return nil
        }

        var string: String? { if case .string(let value) = self { return value } else { return nil } }
        var members: [String: JSON]? { if case .object(let value) = self { return value } else { return nil } }
        var elements: [JSON]? { if case .array(let value) = self { return value } else { return nil } }
        var number: Double? { if case .number(let value) = self { return value } else { return nil } }

        /// The JSON Schema type names this value satisfies ("integer" also for whole numbers like 3.0).
        var typeNames: [String] {
            switch self {
            case .null: ["null"]
            case .bool: ["boolean"]
            case .number(let value): value.isFinite && value.rounded() == value ? ["number", "integer"] : ["number"]
            case .string: ["string"]
            case .array: ["array"]
            case .object: ["object"]
            }
        }

        /// A short rendering for messages: scalars in JSON form, containers by kind.
        var brief: String {
            switch self {
            case .null: "null"
            case .bool(let value): "\(value)"
            case .number(let value): JSON.format(value)
            case .string(let value): value.count > 60 ? "\"\(value.prefix(57))...\"" : "\"\(value)\""
            case .array(let items): "array of \(items.count)"
            case .object(let members): "object with \(members.count) keys"
            }
        }

        static func format(_ value: Double) -> String {
            value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }

    /// Validates instances against the JSON Schema 2020-12 subset this API's document uses.
    ///
    /// Supported: `$ref` (local JSON pointers), `type` (string or array), `enum`, `const`, `properties`,
    /// `required`, `additionalProperties`, `maxProperties`/`minProperties`, `propertyNames`, `items`,
    /// `minItems`/`maxItems`, `minimum`/`maximum` and their exclusive forms, `minLength`/`maxLength` (counted in
    /// Unicode scalars, i.e. code points, as JSON Schema specifies), `pattern` (NSRegularExpression, unanchored),
    /// `format` `date-time` (RFC 3339) and `uri` (http or https with a host), `allOf`/`anyOf`/`oneOf`, and the
    /// boolean schemas `true`/`false`. Annotations (`description`, `default`, `examples`, …) are ignored.
    struct SchemaValidator: Sendable {
        /// The whole document, which `$ref` pointers are resolved against.
        let root: JSON

        /// Every problem found, each prefixed with the JSON path of the offending value.
        func violations(of instance: JSON, against schema: JSON, at path: String = "$") -> [String] {
            check(instance, schema, path, refDepth: 0)
        }

        /// Follows a local reference such as `#/components/schemas/Job`.
        func resolve(_ reference: String) -> JSON? {
            guard reference.hasPrefix("#") else { return nil }
            var node = root
            for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: true) {
                let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                guard let next = node[key] else { return nil }
                node = next
            }
            return node
        }

        private func check(_ instance: JSON, _ schema: JSON, _ path: String, refDepth: Int) -> [String] {
            switch schema {
            case .bool(true): return []
            case .bool(false): return ["\(path): no value is allowed here"]
            case .object: break
            default: return ["\(path): schema is not an object"]
            }
            var problems: [String] = []
            if let reference = schema["$ref"]?.string {
                if refDepth > 32 {
                    problems.append("\(path): $ref nesting too deep at \(reference)")
                } else if let target = resolve(reference) {
                    problems += check(instance, target, path, refDepth: refDepth + 1)
                } else {
                    problems.append("\(path): unresolvable $ref \(reference)")
                }
            }
            if let types = schema["type"] {
                let allowed = types.elements?.compactMap(\.string) ?? types.string.map { [$0] } ?? []
                if !allowed.contains(where: instance.typeNames.contains) {
                    let kind = instance.typeNames.first ?? "value"
                    let shown = ["object", "array", "null"].contains(kind) ? kind : "\(kind) \(instance.brief)"
                    return problems + ["\(path): expected \(allowed.joined(separator: " or ")), got \(shown)"]
                }
            }
            if let options = schema["enum"]?.elements, !options.contains(instance) {
                problems.append("\(path): \(instance.brief) is not one of [\(options.map(\.brief).joined(separator: ", "))]")
            }
            if let constant = schema["const"], constant != instance {
                problems.append("\(path): \(instance.brief) is not \(constant.brief)")
            }
            problems += combinators(instance, schema, path, refDepth)
            switch instance {
            case .number(let value): problems += numberProblems(value, schema, path)
            case .string(let value): problems += stringProblems(value, schema, path)
            case .array(let items): problems += arrayProblems(items, schema, path, refDepth)
            case .object(let members): problems += objectProblems(members, schema, path, refDepth)
            case .null, .bool: break
            }
            return problems
        }

        private func combinators(_ instance: JSON, _ schema: JSON, _ path: String, _ depth: Int) -> [String] {
            var problems: [String] = []
            for part in schema["allOf"]?.elements ?? [] {
                problems += check(instance, part, path, refDepth: depth)
            }
            for keyword in ["anyOf", "oneOf"] {
                guard let alternatives = schema[keyword]?.elements else { continue }
                let results = alternatives.map { check(instance, $0, path, refDepth: depth) }
                let passing = results.filter(\.isEmpty).count
                // Alternatives that failed only on `type` (say the `null` in "JobOutput or null") are noise when
                // another alternative has the right type: report that one's problems as they are.
                let typeMismatch = "\(path): expected "
                let relevant = results.filter { !($0.count == 1 && $0[0].hasPrefix(typeMismatch)) }
                if passing == 0 && relevant.count == 1 {
                    problems += relevant[0]
                } else if passing == 0 {
                    let reasons = results.map { "(\($0.joined(separator: "; ")))" }.joined(separator: " or ")
                    problems.append("\(path): matches no \(keyword) alternative: \(reasons)")
                } else if keyword == "oneOf" && passing > 1 {
                    problems.append("\(path): matches \(passing) oneOf alternatives, expected exactly 1")
                }
            }
            return problems
        }

        private func numberProblems(_ value: Double, _ schema: JSON, _ path: String) -> [String] {
            var problems: [String] = []
            let shown = JSON.format(value)
            if let limit = schema["minimum"]?.number, value < limit {
                problems.append("\(path): \(shown) is below minimum \(JSON.format(limit))")
            }
            if let limit = schema["maximum"]?.number, value > limit {
                problems.append("\(path): \(shown) is above maximum \(JSON.format(limit))")
            }
            if let limit = schema["exclusiveMinimum"]?.number, value <= limit {
                problems.append("\(path): \(shown) is not above exclusiveMinimum \(JSON.format(limit))")
            }
            if let limit = schema["exclusiveMaximum"]?.number, value >= limit {
                problems.append("\(path): \(shown) is not below exclusiveMaximum \(JSON.format(limit))")
            }
            return problems
        }

        private func stringProblems(_ value: String, _ schema: JSON, _ path: String) -> [String] {
            var problems: [String] = []
            let length = value.unicodeScalars.count
            if let limit = schema["minLength"]?.number, Double(length) < limit {
                problems.append("\(path): length \(length) is below minLength \(JSON.format(limit))")
            }
            if let limit = schema["maxLength"]?.number, Double(length) > limit {
                problems.append("\(path): length \(length) is above maxLength \(JSON.format(limit))")
            }
            if let pattern = schema["pattern"]?.string {
                if let regex = try? NSRegularExpression(pattern: pattern) {
                    let range = NSRange(value.startIndex..., in: value)
                    if regex.firstMatch(in: value, range: range) == nil {
                        problems.append("\(path): \(JSON.string(value).brief) does not match pattern \(pattern)")
                    }
                } else {
                    problems.append("\(path): schema pattern \(pattern) does not compile")
                }
            }
            switch schema["format"]?.string {
            case "date-time" where !Self.isDateTime(value):
                problems.append("\(path): \(JSON.string(value).brief) is not an RFC 3339 date-time")
            case "uri" where !Self.isWebURI(value):
                problems.append("\(path): \(JSON.string(value).brief) is not an absolute http(s) URI with a host")
            default: break
            }
            return problems
        }

        private func arrayProblems(_ items: [JSON], _ schema: JSON, _ path: String, _ depth: Int) -> [String] {
            var problems: [String] = []
            if let limit = schema["minItems"]?.number, Double(items.count) < limit {
                problems.append("\(path): \(items.count) items is below minItems \(JSON.format(limit))")
            }
            if let limit = schema["maxItems"]?.number, Double(items.count) > limit {
                problems.append("\(path): \(items.count) items is above maxItems \(JSON.format(limit))")
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    problems += check(item, itemSchema, "\(path)[\(index)]", refDepth: depth)
                }
            }
            return problems
        }

        private func objectProblems(_ members: [String: JSON], _ schema: JSON, _ path: String, _ depth: Int) -> [String] {
            var problems: [String] = []
            let properties = schema["properties"]?.members ?? [:]
            for name in schema["required"]?.elements?.compactMap(\.string) ?? [] where members[name] == nil {
                problems.append("\(Self.child(path, name)): required property is missing")
            }
            if let limit = schema["maxProperties"]?.number, Double(members.count) > limit {
                problems.append("\(path): \(members.count) properties is above maxProperties \(JSON.format(limit))")
            }
            if let limit = schema["minProperties"]?.number, Double(members.count) < limit {
                problems.append("\(path): \(members.count) properties is below minProperties \(JSON.format(limit))")
            }
            // Sorted so that messages come out in a stable order.
            for (name, value) in members.sorted(by: { $0.key < $1.key }) {
                let childPath = Self.child(path, name)
                if let nameSchema = schema["propertyNames"] {
                    problems += check(.string(name), nameSchema, "\(childPath) (property name)", refDepth: depth)
                }
                if let propertySchema = properties[name] {
                    problems += check(value, propertySchema, childPath, refDepth: depth)
                } else if let additional = schema["additionalProperties"] {
                    if additional == .bool(false) {
                        problems.append("\(childPath): unexpected property (additionalProperties is false)")
                    } else {
                        problems += check(value, additional, childPath, refDepth: depth)
                    }
                }
            }
            return problems
        }

        /// `$.a.b` for identifier-like keys, `$["odd key"]` otherwise.
        static func child(_ path: String, _ key: String) -> String {
            let identifier = key.first.map { $0.isLetter || $0 == "_" } == true
                && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            return identifier ? "\(path).\(key)" : "\(path)[\"\(key)\"]"
        }

        /// RFC 3339 `date-time`: full date, `T`, time with optional fraction, and `Z` or a numeric offset.
        static func isDateTime(_ text: String) -> Bool {
            let pattern = #"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"#
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
            else { return false }
            func field(_ group: Int) -> Int? {
                guard let range = Range(match.range(at: group), in: text) else { return nil }
                return Int(text[range])
            }
            guard let year = field(1), let month = field(2), let day = field(3),
                  let hour = field(4), let minute = field(5), let second = field(6),
                  (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
                  (0...60).contains(second)  // 60: a leap second
            else { return false }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
            guard (1...days).contains(day) else { return false }
            if let offsetHour = field(9), let offsetMinute = field(10) {
                return (0...23).contains(offsetHour) && (0...59).contains(offsetMinute)
            }
            return true
        }

        /// An absolute `http`/`https` URI with a non-empty host.
        static func isWebURI(_ text: String) -> Bool {
            guard let components = URLComponents(string: text),
                  let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = components.host, !host.isEmpty
            else { return false }
            return true
        }
    }
}

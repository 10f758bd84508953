import Foundation

/// A thrown problem with the document itself, or with a value that is not JSON.
struct OpenAPIDocumentError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An OpenAPI 3.1 document, used by tests to check real responses and requests against it.
///
/// Only what this API's document uses is understood: path templates whose parameters fill whole segments,
/// local `$ref`s (to schemas, responses, headers, parameters and request bodies), response keys given as exact
/// statuses, `2XX`-style ranges or `default`, and JSON bodies (other media types are checked by name only).
/// Schemas are checked by `SchemaValidator`; every violation names where it was found.
struct OpenAPIDocument: Sendable {
    /// One operation: a method on a path template.
    struct Operation: Sendable {
        /// Upper case, e.g. "GET".
        let method: String
        /// As written in the document, e.g. "/v1/jobs/{id}".
        let template: String
        let operationId: String?
        /// The operation object, `$ref`s unresolved.
        let object: JSON
        /// Whether a bearer token is required (the operation's `security`, else the document's, is non-empty).
        let requiresAuthentication: Bool

        /// The documented response keys, e.g. ["200", "401", "404"].
        var statuses: [String] { object["responses"]?.members?.keys.sorted() ?? [] }
    }

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    let root: JSON
    var validator: SchemaValidator { SchemaValidator(root: root) }

    init(data: Data) throws {
        root = try JSON(parsing: data)
        guard root["openapi"]?.string?.hasPrefix("3.1") == true else {
            throw OpenAPIDocumentError("not an OpenAPI 3.1 document")
        }
        guard root["paths"]?.members != nil else { throw OpenAPIDocumentError("the document has no paths") }
    }

    /// Every (method, template) pair in the document, sorted by template, then method.
    var operations: [(method: String, template: String)] {
        let paths = root["paths"]?.members ?? [:]
        return paths.keys.sorted().flatMap { template in
            Self.methods.filter { paths[template]?[$0] != nil }.map { (method: $0.uppercased(), template: template) }
        }
    }

    /// The operation for an actual request path, matching templates like /v1/jobs/{id}; nil if none.
    ///
    /// A query string, if present, is ignored. When several templates match, the one with the most literal
    /// segments wins (so `/v1/jobs/search` would beat `/v1/jobs/{id}`).
    func operation(method: String, path: String) -> Operation? {
        let requestPath = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = requestPath.split(separator: "/", omittingEmptySubsequences: false)
        let key = method.lowercased()
        var best: (literals: Int, template: String, object: JSON)?
        for (template, item) in root["paths"]?.members ?? [:] {
            guard let object = item[key] else { continue }
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == segments.count else { continue }
            var literals = 0
            let matches = zip(parts, segments).allSatisfy { part, segment in
                if part.hasPrefix("{") && part.hasSuffix("}") { return !segment.isEmpty }
                literals += 1
                return part == segment
            }
            if matches && literals > (best?.literals ?? -1) { best = (literals, template, object) }
        }
        guard let best else { return nil }
        let security = best.object["security"] ?? root["security"]
        return Operation(
            method: method.uppercased(), template: best.template, operationId: best.object["operationId"]?.string,
            object: best.object, requiresAuthentication: !(security?.elements?.isEmpty ?? true))
    }

    /// Problems with a response: undocumented status, missing required headers (and header values that do not
    /// match their schema), and a body that does not fit the documented content. Only `application/json` (and
    /// `+json`) bodies are validated against their schema; `HEAD` responses must have no body.
    /// Header names are matched case-insensitively.
    func violations(method: String, path: String, status: Int, headers: [String: String], body: Data) -> [String] {
        guard let operation = operation(method: method, path: path) else {
            return ["\(method.uppercased()) \(path): no such operation in the document"]
        }
        let context = "\(operation.method) \(operation.template) \(status)"
        let responses = operation.object["responses"]?.members ?? [:]
        let rangeKey = "\(status / 100)XX"
        guard let key = [String(status), rangeKey, "default"].first(where: { responses[$0] != nil }),
              let declared = responses[key]
        else {
            return ["\(context): status \(status) is not documented (documented: \(operation.statuses.joined(separator: ", ")))"]
        }
        guard let response = follow(declared) else { return ["\(context): unresolvable response \(key)"] }
        var problems = headerProblems(response["headers"]?.members ?? [:], headers, context)

        let content = response["content"]?.members ?? [:]
        if operation.method == "HEAD" || content.isEmpty {
            if !body.isEmpty { problems.append("\(context): body of \(body.count) bytes where none is documented") }
            return problems
        }
        let contentType = headers.first { $0.key.lowercased() == "content-type" }?.value
        let mediaType: String
        if let contentType {
            let essence = Self.essence(contentType)
            guard let declaredType = content.keys.sorted().first(where: { Self.mediaType(essence, matches: $0) }) else {
                return problems + ["\(context): Content-Type \(contentType) is not one of \(content.keys.sorted())"]
            }
            mediaType = declaredType
        } else {
            problems.append("\(context): missing Content-Type header")
            guard let json = content.keys.sorted().first(where: Self.isJSON) else { return problems }
            mediaType = json
        }
        guard Self.isJSON(mediaType) else { return problems }
        return problems + bodyProblems(body, content[mediaType]?["schema"], context)
    }

    /// Problems with a JSON request body against the operation's `requestBody` schema (`application/json`).
    func requestViolations(method: String, path: String, body: Data) -> [String] {
        guard let operation = operation(method: method, path: path) else {
            return ["\(method.uppercased()) \(path): no such operation in the document"]
        }
        let context = "\(operation.method) \(operation.template) request"
        guard let declared = operation.object["requestBody"] else {
            return body.isEmpty ? [] : ["\(context): the operation takes no request body"]
        }
        guard let requestBody = follow(declared) else { return ["\(context): unresolvable requestBody"] }
        if body.isEmpty {
            return requestBody["required"] == .bool(true) ? ["\(context): a body is required"] : []
        }
        let content = requestBody["content"]?.members ?? [:]
        guard let mediaType = content.keys.sorted().first(where: Self.isJSON) else {
            return ["\(context): no JSON request body is documented (documented: \(content.keys.sorted()))"]
        }
        return bodyProblems(body, content[mediaType]?["schema"], context)
    }

    /// Problems with a webhook delivery (`webhooks` section, e.g. "task.completed"): required headers and body.
    func webhookViolations(event: String, headers: [String: String], body: Data) -> [String] {
        guard let post = root["webhooks"]?[event]?["post"] else { return ["webhook \(event): not documented"] }
        let context = "webhook \(event)"
        var problems: [String] = []
        for parameter in post["parameters"]?.elements?.compactMap(follow) ?? [] where parameter["in"]?.string == "header" {
            guard let name = parameter["name"]?.string else { continue }
            problems += headerProblems([name: parameter], headers, context)
        }
        let schema = follow(post["requestBody"] ?? .null)?["content"]?["application/json"]?["schema"]
        return problems + bodyProblems(body, schema, context)
    }

    /// Problems with a JSON value against a named component schema, e.g. "Job".
    func violations(ofSchema name: String, json: Data) -> [String] {
        let schema = root["components"]?["schemas"]?[name]
        return schema == nil ? ["schema \(name): not in the document"] : bodyProblems(json, schema, "schema \(name)")
    }

    // MARK: - Helpers

    /// Resolves an object that may be a `$ref` (possibly to another `$ref`).
    private func follow(_ node: JSON) -> JSON? {
        var current = node
        for _ in 0..<16 {
            guard let reference = current["$ref"]?.string else { return current }
            guard let target = validator.resolve(reference) else { return nil }
            current = target
        }
        return nil
    }

    /// Required headers must be present; present headers with a schema must match it. Integer and number
    /// schemas are checked against the header value read as a number.
    private func headerProblems(_ declared: [String: JSON], _ actual: [String: String], _ context: String) -> [String] {
        var problems: [String] = []
        for (name, node) in declared.sorted(by: { $0.key < $1.key }) {
            guard let header = follow(node) else {
                problems.append("\(context): unresolvable header \(name)")
                continue
            }
            guard let value = actual.first(where: { $0.key.lowercased() == name.lowercased() })?.value else {
                if header["required"] == .bool(true) { problems.append("\(context): missing header \(name)") }
                continue
            }
            guard let schema = header["schema"] else { continue }
            let wantsNumber = [schema, follow(schema) ?? .null].contains {
                $0["type"]?.string == "integer" || $0["type"]?.string == "number"
            }
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            let instance: JSON = wantsNumber ? Double(trimmed).map(JSON.number) ?? .string(value) : .string(value)
            problems += validator.violations(of: instance, against: schema, at: "\(context) header \(name)")
        }
        return problems
    }

    private func bodyProblems(_ body: Data, _ schema: JSON?, _ context: String) -> [String] {
        let instance: JSON
        do {
            instance = try JSON(parsing: body)
        } catch {
            let preview = String(decoding: body.prefix(80), as: UTF8.self)
            return ["\(context): body is not JSON: \(preview.isEmpty ? "(empty)" : preview)"]
        }
        guard let schema else { return [] }
        return validator.violations(of: instance, against: schema).map { "\(context): \($0)" }
    }

    /// "Application/JSON; charset=utf-8" → "application/json".
    static func essence(_ contentType: String) -> String {
        let type = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return type.trimmingCharacters(in: .whitespaces).lowercased()
    }

    static func isJSON(_ mediaType: String) -> Bool {
        let type = essence(mediaType)
        return type == "application/json" || type.hasSuffix("+json")
    }

    /// Whether an actual media type fits a declared key, which may be `type/*` or `*/*`.
    static func mediaType(_ actual: String, matches declared: String) -> Bool {
        let pattern = essence(declared)
        if pattern == "*/*" || pattern == actual { return true }
        if pattern.hasSuffix("/*") { return actual.hasPrefix(pattern.dropLast()) }
        return false
    }
}

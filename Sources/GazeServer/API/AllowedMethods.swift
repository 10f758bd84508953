import Foundation

/// The methods each path accepts, read from the bundled OpenAPI document, so a known path asked with another
/// method is answered 405 with `Allow` rather than 404. (The tests check that the document and the routes agree.)
struct AllowedMethods: Sendable {
    private let routes: [(segments: [Substring], methods: [String])]

    init(document: Data?) {
        let paths = (document.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any])?["paths"] as? [String: Any]
        let verbs: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        routes = (paths ?? [:]).map { template, item in
            let methods = ((item as? [String: Any])?.keys.filter { verbs.contains($0) } ?? []).map { $0.uppercased() }.sorted()
            return (template.split(separator: "/"), methods)
        }
    }

    /// The methods `path` accepts, or `nil` when no documented path matches it.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }?.methods
    }
}

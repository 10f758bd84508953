import Foundation

/// Timestamps as the API writes them: RFC 3339, UTC, whole seconds ("2023-11-07T05:31:56Z").
enum RFC3339 {
    static func string(_ date: Date) -> String { date.formatted(.iso8601) }
}

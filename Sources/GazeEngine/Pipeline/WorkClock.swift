import Foundation

/// Wall time spent in each part of the per-frame work, for the summary and the benchmark.
public struct WorkClock: Sendable, Equatable, Codable {
    public enum Part: String, Sendable, CaseIterable, Codable {
        case decode, detect, landmarks, iris, warp, encode
    }

    public private(set) var seconds: [String: Double] = [:]

    @inline(__always)
    mutating func measure<R, E: Error>(_ part: Part, _ body: () throws(E) -> R) throws(E) -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds[part.rawValue, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }

    mutating func add(_ other: WorkClock) {
        for (key, value) in other.seconds { seconds[key, default: 0] += value }
    }
}

import Foundation

/// Where a job's files live under the data folder: the downloaded source until the job ends, the artifact after.
struct JobFiles: Sendable {
    let root: URL

    var sources: URL { root.appendingPathComponent("sources", isDirectory: true) }
    var artifacts: URL { root.appendingPathComponent("artifacts", isDirectory: true) }
    var work: URL { root.appendingPathComponent("work", isDirectory: true) }
    var database: URL { root.appendingPathComponent("gaze.sqlite") }

    func source(_ job: String) -> URL { sources.appendingPathComponent(job) }
    func artifact(_ job: String) -> URL { artifacts.appendingPathComponent("\(job).mp4") }

    /// Creates the folders and removes what a killed process left half-written (its jobs start those again).
    func prepare() throws {
        for folder in [root, sources, artifacts, work] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        for leftover in (try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? [] {
            try? FileManager.default.removeItem(at: work.appendingPathComponent(leftover))
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: artifacts.path)) ?? [] where name.hasSuffix(".partial") {
            try? FileManager.default.removeItem(at: artifacts.appendingPathComponent(name))
        }
    }

    func removeSource(_ job: String) { try? FileManager.default.removeItem(at: source(job)) }
}

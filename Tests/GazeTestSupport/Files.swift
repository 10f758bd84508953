import Foundation

/// The package root (the folder holding Package.swift), found by walking up from this source file.
public func packageRoot() -> URL {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while url.pathComponents.count > 1 {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url = url.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}

/// A file in the package's `Fixtures/` folder.
public func fixture(_ name: String) -> URL {
    packageRoot().appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// A failure of an external tool or fixture a test relies on.
public struct TestMediaError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

// MARK: - Derived fixtures

/// Runs `scripts/make-fixtures.sh` at most once per process (a global `let` is initialised lazily and
/// thread-safely); an advisory lock on a file beside the outputs keeps two test processes from writing the
/// same partial file at once.
private let derivedFixturesMade: Result<Void, TestMediaError> = {
    let folder = packageRoot().appendingPathComponent("Fixtures/derived")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let lock = open(folder.appendingPathComponent(".make-fixtures.lock").path, O_CREAT | O_RDWR, 0o644)
    if lock >= 0 { flock(lock, LOCK_EX) }
    defer { if lock >= 0 { flock(lock, LOCK_UN); close(lock) } }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [packageRoot().appendingPathComponent("scripts/make-fixtures.sh").path]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    do { try process.run() } catch { return .failure(TestMediaError(description: "make-fixtures.sh: \(error)")) }
    let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        return .failure(TestMediaError(description: "make-fixtures.sh exited \(process.terminationStatus): \(log)"))
    }
    return .success(())
}()

/// A file in `Fixtures/derived/`, made by `scripts/make-fixtures.sh` (run once per process) when missing.
public func derivedFixture(_ name: String) throws -> URL {
    let url = packageRoot().appendingPathComponent("Fixtures/derived").appendingPathComponent(name)
    if FileManager.default.fileExists(atPath: url.path) { return url }
    try derivedFixturesMade.get()
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw TestMediaError(description: "make-fixtures.sh did not make \(name) (its encoder may be missing: see SKIPPED lines)")
    }
    return url
}

// MARK: - Temporary folders

/// A fresh, empty folder under the system temporary folder; remove it with `defer`.
public func makeTemporaryFolder(_ label: String = "GazeTests") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Every entry of `folder`, sorted, hidden ones included (a partial output starts with a dot).
public func contents(of folder: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
}

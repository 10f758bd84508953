import Foundation

// MARK: - Running tools without blocking the cooperative pool

/// How a process ended and what it wrote.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String

    /// `stdout` decoded as UTF-8.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `executable` to completion; stdout and stderr go through files, so neither can fill a pipe.
public func runProcess(_ executable: URL, _ arguments: [String]) async throws -> ProcessResult {
    let folder = try makeTemporaryFolder("GazeTool")
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("stdout"), errURL = folder.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    try? out.close()
    try? err.close()
    return ProcessResult(status: status, stdout: try Data(contentsOf: outURL),
                         stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

/// Runs `tool` (ffmpeg or ffprobe, from PATH) and returns its stdout; throws when it fails.
public func runTool(_ tool: String, _ arguments: [String]) async throws -> Data {
    let result = try await runProcess(URL(fileURLWithPath: "/usr/bin/env"), [tool] + arguments)
    guard result.status == 0 else {
        throw TestMediaError(description: "\(tool) \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
    }
    return result.stdout
}

/// Runs `ffmpeg` (found on PATH) with `arguments`, synchronously, and returns its standard output.
public func runFFmpeg(_ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-nostdin", "-v", "error"] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Drain stdout before waiting so a large frame cannot block ffmpeg on a full pipe.
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestMediaError(description: "ffmpeg \(arguments.joined(separator: " ")) failed: \(message)")
    }
    return data
}

/// Decoded video frames, as ffprobe counts them (edit lists applied).
public func frameCount(_ url: URL) async throws -> Int {
    let data = try await runTool("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_frames",
                                             "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", url.path])
    guard let count = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw TestMediaError(description: "ffprobe could not count the frames of \(url.path)")
    }
    return count
}

/// An executable of this package, found beside the running test bundle (whatever the scratch path), or the
/// path in the environment variable `override` when set.
public func builtProduct(_ name: String, override: String) -> URL? {
    if let path = ProcessInfo.processInfo.environment[override] { return URL(fileURLWithPath: path) }
    var starts = [Bundle.main.bundleURL, Bundle.main.executableURL].compactMap { $0 }
    starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
    starts += CommandLine.arguments.prefix(1).map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() }
    for start in starts {
        var folder = start.hasDirectoryPath ? start : start.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder), !isFolder.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
    }
    return nil
}

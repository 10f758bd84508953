import Foundation
@testable import GazeEngine

/// The package root (the folder holding Package.swift), found by walking up from this source file.
func packageRoot() -> URL {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while url.pathComponents.count > 1 {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url = url.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
}

/// A file in the package's `Fixtures/` folder.
func fixture(_ name: String) -> URL {
    packageRoot().appendingPathComponent("Fixtures").appendingPathComponent(name)
}

/// A failure of an external tool a test relies on.
struct TestMediaError: Error, CustomStringConvertible {
    var description: String
}

/// A tightly packed 8-bit grey image (stride == width).
struct RawLuma: Sendable {
    var bytes: [UInt8]
    var width: Int
    var height: Int
}

/// Runs `ffmpeg` (found on PATH) with `arguments` and returns its standard output.
func runFFmpeg(_ arguments: [String]) throws -> Data {
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

/// The first frame of the image or video at `path`, scaled to `width` (height keeps the aspect, even), as luma.
func rawLuma(of path: String, width: Int) throws -> RawLuma {
    let data = try runFFmpeg([
        "-i", path, "-frames:v", "1", "-vf", "scale=\(width):-2", "-f", "rawvideo", "-pix_fmt", "gray", "-",
    ])
    guard !data.isEmpty, data.count % width == 0 else {
        throw TestMediaError(description: "ffmpeg gave \(data.count) bytes for a \(width)-wide grey frame of \(path)")
    }
    return RawLuma(bytes: [UInt8](data), width: width, height: data.count / width)
}

extension RawLuma {
    /// Lends the pixels to `body` as a `LumaView`; `rowPadding` > 0 lends a copy whose rows are that much
    /// wider than the image, to exercise stride handling.
    func withView<R>(rowPadding: Int = 0, _ body: (LumaView) throws -> R) throws -> R {
        let stride = width + max(0, rowPadding)
        var pixels = bytes
        if stride != width {
            pixels = [UInt8](repeating: 0, count: stride * height)
            for row in 0..<height {
                pixels[row * stride..<row * stride + width] = bytes[row * width..<(row + 1) * width]
            }
        }
        return try pixels.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, width > 0, height > 0 else {
                throw TestMediaError(description: "empty luma plane")
            }
            return try body(LumaView(base: base, width: width, height: height, stride: stride))
        }
    }
}

import Foundation
import GazeTestSupport
import NIOConcurrencyHelpers
import Testing
@testable import GazeEngine

// Paths, fixtures, temporary folders and the process / ffmpeg runners live in GazeTestSupport (shared with
// GazeRedirectTests); what is here needs GazeEngine or is only used by these tests.

/// A tightly packed 8-bit grey image (stride == width).
struct RawLuma: Sendable {
    var bytes: [UInt8]
    var width: Int
    var height: Int
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

// MARK: - The shared engine

/// One engine for the whole test process (loading the model takes about a second).
private let sharedEngineResult = Result { () throws(GazeError) in try GazeEngine() }

func sharedEngine() throws -> GazeEngine { try sharedEngineResult.get() }

/// Progress reports collected from the engine's callback, which may run on any thread.
final class ProgressLog: Sendable {
    private let box = NIOLockedValueBox<[GazeProgress]>([])

    @Sendable func record(_ progress: GazeProgress) { box.withLockedValue { $0.append(progress) } }

    var reports: [GazeProgress] { box.withLockedValue { $0 } }
}

/// Runs `operation` and returns the `GazeError` it throws (nil, with an issue recorded, when it succeeds or
/// throws something else). Untyped on purpose: Swift 6.3.1 crashes compiling
/// `Task { () async throws(GazeError) in ... }`.
func gazeError(_ operation: () async throws -> Void) async -> GazeError? {
    do {
        try await operation()
        Issue.record("expected a GazeError, but the operation succeeded")
        return nil
    } catch let error as GazeError {
        return error
    } catch {
        Issue.record("expected a GazeError, got \(type(of: error)): \(error)")
        return nil
    }
}

// MARK: - ffprobe / ffmpeg views of a file

/// The parts of `ffprobe -print_format json -show_streams -show_packets -show_format` the tests read.
struct Probe: Decodable, Sendable {
    struct Stream: Decodable, Sendable {
        var index: Int
        var codecName: String?
        var codecType: String?
        var width: Int?
        var height: Int?
        var pixFmt: String?
        var sampleRate: String?
        var channels: Int?
        var colorRange: String?
        var colorPrimaries: String?
        var colorTransfer: String?
        var colorSpace: String?
        var sampleAspectRatio: String?
        var duration: String?
        var sideDataList: [SideData]?
    }

    struct SideData: Decodable, Sendable {
        var sideDataType: String?
        var rotation: Double?
    }

    struct Packet: Decodable, Sendable {
        var streamIndex: Int
        var ptsTime: String?
        var size: String?
    }

    struct Format: Decodable, Sendable {
        var duration: String?
        var formatName: String?
        var tags: [String: String]?
    }

    var streams: [Stream]
    var packets: [Packet]?
    var format: Format?

    var video: Stream? { streams.first { $0.codecType == "video" } }
    /// The `ftyp` major brand: "isom" (or another MP4 brand) from the mp4 muxer, "qt  " from the mov one.
    var majorBrand: String? { format?.tags?["major_brand"] }
    var audio: Stream? { streams.first { $0.codecType == "audio" } }
}

/// ffprobe's description of `url`'s streams and container (and packets when asked).
func probe(_ url: URL, packets: Bool = false) async throws -> Probe {
    let data = try await runTool("ffprobe", ["-v", "error", "-print_format", "json", "-show_streams", "-show_format"]
        + (packets ? ["-show_packets"] : []) + [url.path])
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(Probe.self, from: data)
}

/// The presentation time of every decoded video frame, in seconds (edit lists applied, as players see it).
func videoFrameTimes(_ url: URL) async throws -> [Double] {
    struct Frames: Decodable { struct Frame: Decodable { var ptsTime: String?; var bestEffortTimestampTime: String? }; var frames: [Frame] }
    let data = try await runTool("ffprobe", ["-v", "error", "-select_streams", "v:0", "-print_format", "json",
                                             "-show_entries", "frame=pts_time,best_effort_timestamp_time", url.path])
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(Frames.self, from: data).frames.map { frame in
        guard let time = (frame.ptsTime ?? frame.bestEffortTimestampTime).flatMap(Double.init) else {
            throw TestMediaError(description: "a frame of \(url.lastPathComponent) has no timestamp")
        }
        return time
    }
}

/// The framemd5 lines of `url` for `arguments` (mapping and codec options), without the `#` header.
private func framemd5(_ url: URL, _ arguments: [String]) async throws -> [String] {
    let data = try await runTool("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", url.path] + arguments + ["-f", "framemd5", "-"])
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
}

/// One MD5 per decoded video frame, converted to yuv420p: equal lists mean identical pictures.
func videoFrameMD5s(_ url: URL) async throws -> [String] {
    try await framemd5(url, ["-map", "0:v:0", "-pix_fmt", "yuv420p"]).map {
        String($0.split(separator: ",").last ?? "").trimmingCharacters(in: .whitespaces)
    }
}

/// One framemd5 line per audio packet, copied without decoding: stream, dts, pts, duration, size, MD5.
func audioPacketLines(_ url: URL) async throws -> [String] {
    try await framemd5(url, ["-map", "0:a", "-c", "copy"])
}

/// Size and MD5 of each audio packet's payload, for comparing packets across containers with other time bases.
func audioPacketPayloads(_ url: URL) async throws -> [String] {
    try await audioPacketLines(url).map { line in
        let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return fields.count >= 6 ? "\(fields[4]) \(fields[5])" : line
    }
}

/// Every decoded video frame's luma plane, tightly packed (`-pix_fmt gray`).
func lumaFrames(_ url: URL, width: Int, height: Int) async throws -> [[UInt8]] {
    let data = try await runTool("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-i", url.path, "-map", "0:v:0",
                                            "-f", "rawvideo", "-pix_fmt", "gray", "-"])
    let size = width * height
    guard size > 0, data.count % size == 0 else {
        throw TestMediaError(description: "\(data.count) bytes are not whole \(width)x\(height) frames")
    }
    let bytes = [UInt8](data)
    return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<$0 + size]) }
}

/// The types of an MP4's top-level boxes, in file order ("ftyp", "moov", "mdat", …).
func topLevelBoxes(_ url: URL) throws -> [String] {
    let data = try Data(contentsOf: url)
    var boxes: [String] = [], offset = 0
    func number(_ at: Int, _ count: Int) -> UInt64 { data[at..<at + count].reduce(0) { $0 << 8 | UInt64($1) } }
    while offset + 8 <= data.count {
        var size = number(data.startIndex + offset, 4)
        boxes.append(String(decoding: data[(data.startIndex + offset + 4)..<(data.startIndex + offset + 8)], as: UTF8.self))
        if size == 1, offset + 16 <= data.count { size = number(data.startIndex + offset + 8, 8) }
        if size == 0 { break }  // extends to the end of the file
        guard size >= 8 else { throw TestMediaError(description: "malformed box at \(offset) in \(url.lastPathComponent)") }
        offset += Int(size)
    }
    return boxes
}

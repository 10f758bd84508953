import Foundation
import GazeTestSupport
import NIOConcurrencyHelpers
import Testing

@testable import GazeEngine

/// End-to-end behaviour of `GazeEngine.process` / `analyze` on the derived clips (see Fixtures/README.md).
@Suite("Pipeline")
struct PipelineTests {
    // MARK: 1. End to end

    @Test("output decodes and keeps the input's frames, timing, size and audio; H.264 yuv420p, faststart",
          arguments: ["v02_small.mp4", "v10_small.mp4"])
    func endToEnd(_ name: String) async throws {
        let input = try derivedFixture(name)
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.mp4")

        let summary = try await sharedEngine().process(input: .file(input.path), output: .file(output.path))

        let (inProbe, outProbe) = (try await probe(input), try await probe(output))
        let inVideo = try #require(inProbe.video), outVideo = try #require(outProbe.video, "the output has no video")
        let inTimes = try await videoFrameTimes(input), outTimes = try await videoFrameTimes(output)
        // Decoding every frame with -xerror proves the output decodes cleanly.
        let outFrames = try await videoFrameMD5s(output)

        #expect(["isom", "mp41", "mp42", "iso2"].contains(outProbe.majorBrand ?? ""), "brand \(outProbe.majorBrand ?? "-")")
        #expect(outVideo.codecName == "h264")
        #expect(outVideo.pixFmt == "yuv420p")
        #expect(outVideo.width == inVideo.width && outVideo.height == inVideo.height,
                "\(outVideo.width ?? 0)x\(outVideo.height ?? 0) vs \(inVideo.width ?? 0)x\(inVideo.height ?? 0)")
        #expect(summary.width == inVideo.width && summary.height == inVideo.height)
        #expect(outFrames.count == inTimes.count, "decoded frames: output \(outFrames.count), input \(inTimes.count)")
        #expect(outTimes.count == inTimes.count, "frame timestamps: output \(outTimes.count), input \(inTimes.count)")
        #expect(summary.frames == inTimes.count)
        expectSameTimes(outTimes, inTimes, tolerance: 0.001)

        // Duration within one frame of the input's.
        let frameDuration = try #require(inTimes.count > 1 ? (inTimes.last! - inTimes.first!) / Double(inTimes.count - 1) : nil)
        let inDuration = try #require(inVideo.duration.flatMap(Double.init))
        let outDuration = try #require(outVideo.duration.flatMap(Double.init))
        #expect(abs(outDuration - inDuration) <= frameDuration + 0.001, "duration \(outDuration) vs \(inDuration)")
        #expect(abs(summary.duration - inDuration) <= frameDuration + 0.001, "summary duration \(summary.duration)")

        // Audio: the very same packets (timestamps, sizes, payloads), or none when the input has none.
        if inProbe.audio != nil {
            let inAudio = try await audioPacketLines(input), outAudio = try await audioPacketLines(output)
            #expect(!inAudio.isEmpty)
            #expect(outAudio == inAudio, "audio packets differ: \(outAudio.count) vs \(inAudio.count)")
        } else {
            #expect(outProbe.audio == nil)
        }

        // +faststart: the index (moov) comes before the media data (mdat).
        let boxes = try topLevelBoxes(output)
        let moov = try #require(boxes.firstIndex(of: "moov"), "boxes: \(boxes)")
        let mdat = try #require(boxes.firstIndex(of: "mdat"), "boxes: \(boxes)")
        #expect(boxes.first == "ftyp" && moov < mdat, "boxes in file order: \(boxes)")
        #expect(try contents(of: folder) == ["out.mp4"], "only the output is left in its folder")
    }

    // MARK: 2. Intensity 0 is the identity

    @Test("intensity 0 with lossless x264 reproduces every input frame exactly")
    func intensityZeroIsIdentity() async throws {
        let input = try derivedFixture("v02_small.mp4")
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("identity.mp4")
        let options = GazeOptions(correction: .init(intensity: 0), encoder: .init(crf: 0, preset: "ultrafast"))

        try await sharedEngine().process(input: .file(input.path), output: .file(output.path), options: options)

        let expected = try await videoFrameMD5s(input), actual = try await videoFrameMD5s(output)
        #expect(actual.count == expected.count)
        let differing = zip(actual, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.isEmpty, "frames that differ from the input: \(differing)")
    }

    // MARK: 3. Intensity 1 touches only the eyes, and moves the irises toward the centre

    @Test("intensity 1 changes pixels inside the eye regions of some frames")
    func intensityOneChangesEyes() async throws {
        let run = try await correctedRun.value
        let changed = (0..<run.frames).filter { run.changedInside[$0] > 0 }
        #expect(!changed.isEmpty, "no frame changed inside its eye regions (faces in \(run.framesWithFace) of \(run.frames))")
    }

    @Test("intensity 1 leaves every pixel outside the padded eye boxes identical")
    func intensityOneKeepsEverythingElse() async throws {
        let run = try await correctedRun.value
        let touched = (0..<run.frames).filter { run.changedOutside[$0] > 0 }
        let listed = touched.prefix(10).map { "#\($0): \(run.changedOutside[$0]) px" }.joined(separator: ", ")
        #expect(touched.isEmpty, "frames with pixels changed outside the eye boxes: \(listed)")
    }

    @Test("intensity 1 moves the iris toward the eye centre (median |horizontal gaze offset| falls)")
    func intensityOneCentresGaze() async throws {
        let run = try await correctedRun.value
        let before = try #require(median(run.inputOffsets), "no gaze measured in the input")
        let after = try #require(median(run.outputOffsets), "no gaze measured in the output")
        #expect(after < before, """
            median |gazeOffset.x|: input \(before) (\(run.inputOffsets.count) frames), \
            output \(after) (\(run.outputOffsets.count) frames)
            """)
    }

    @Test("a real blink: the correction is gone by the time the lids are a quarter closed, the frames after each being seen first")
    func blinkSeenAhead() async throws {
        let girl = try await analyses(of: derivedFixture("v10_blink.mp4")).compactMap(\.faces.first)
        let record = girl.map { "\($0.eyeOpenness)/\($0.gateWeight)" }
        // The blink: from the face's full correction on, the first frame whose lids fell below 3/4 of their
        // opening over the eight frames before.
        let corrected = try #require(girl.firstIndex { $0.gateWeight > 0.9 }, "never corrected: \(record)")
        let closing = try #require(girl.indices.dropFirst(corrected + 8).first { i in
            girl[i].eyeOpenness < 0.75 * (median(girl[(i - 8)..<i].map(\.eyeOpenness)) ?? 0)
        }, "no blink found: \(record)")
        #expect(girl[closing].gateWeight < 0.05, "weight \(girl[closing].gateWeight) on the first closing frame (\(closing)): \(record)")
    }

    @Test("a face leaning into a hand keeps a face's proportions: its fit does not slide down the neck")
    func fitStaysOnFace() async throws {
        // v10's girl, chin on the man's hand: followed from the last box alone, her landmarks stretched to 1.49
        // times as tall as wide by frame 39 (and, at full size, slid until the eyes sat over her cheeks).
        let shapes = try await analyses(of: derivedFixture("v10_small.mp4")).flatMap(\.faces).map { ($0.box[3] - $0.box[1]) / ($0.box[2] - $0.box[0]) }
        #expect(!shapes.isEmpty && shapes.allSatisfy { $0 < 1.25 }, "height / width: \(shapes)")
    }

    @Test("a shaken face is followed: its eyes stay where a detection on every frame puts them")
    func shakenFaceFollowed() async throws {
        // The face, about 110 px wide, jumps up to 33 px a frame. Fitted once a frame from the last box, the eyes'
        // landmarks sat 0.33 and 1.07 eye widths from where a detection on that frame put them on two frames.
        let input = try derivedFixture("shake.mp4")
        let followed = try await analyses(of: input)
        let detected = try await analyses(of: input, options: GazeOptions(detection: DetectionSettings(fullInterval: 1)))
        #expect(followed.count == 30 && detected.count == 30)
        // Per frame, how far each eye's landmarks sit from where they sit on a fresh detection, in eye widths.
        let gaps = zip(followed, detected).compactMap { kept, found -> Float? in
            guard let a = kept.faces.first?.eyeLandmarks, let b = found.faces.first?.eyeLandmarks else { return nil }
            let eye = { (points: ArraySlice<[Float]>) in points.reduce(SIMD2<Float>.zero) { $0 + SIMD2($1[0], $1[1]) } / 6 }
            let width = abs(b[3][0] - b[0][0])
            return [0, 6].map { start in
                let d = eye(a[start..<start + 6]) - eye(b[start..<start + 6])
                return (d * d).sum().squareRoot() / width
            }.max()
        }
        #expect(gaps.count == 30 && gaps.allSatisfy { $0 < 0.2 }, "eye gaps in eye widths: \(gaps)")
    }

    @Test("someone in the background is left alone, the presenter corrected; with the share at 0 both are")
    func bystander() async throws {
        let input = try derivedFixture("bystander.mp4")
        // Each face's largest weight, by whether it is the narrower face of its frame.
        func weights(_ frames: [FrameAnalysis]) -> (presenter: Float, bystander: Float) {
            let pairs = frames.filter { $0.faces.count == 2 }.map { frame in
                frame.faces.sorted { ($0.box[2] - $0.box[0]) > ($1.box[2] - $1.box[0]) }.map(\.gateWeight)
            }
            return (pairs.map { $0[0] }.max() ?? 0, pairs.map { $0[1] }.max() ?? 0)
        }
        let frames = try await analyses(of: input)
        #expect(frames.filter { $0.faces.count == 2 }.count > frames.count / 2, "both faces in most frames: \(frames.map(\.faces.count))")
        let kept = weights(frames)
        #expect(kept.presenter > 0.9, "presenter's weight \(kept.presenter)")
        #expect(kept.bystander == 0, "bystander's weight \(kept.bystander)")
        let everyone = weights(try await analyses(of: input, options: GazeOptions(correction: .init(backgroundFaceShare: 0))))
        #expect(everyone.bystander > 0.9, "with every face corrected, the bystander's weight \(everyone.bystander)")
    }

    // MARK: 6. Progress

    @Test("file to file: progress never goes back, ends at 100, stages compositing then encoding")
    func progressFileToFile() async throws {
        let input = try derivedFixture("noface_small.mp4")
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = ProgressLog()
        try await sharedEngine().process(input: .file(input.path), output: .file(folder.appendingPathComponent("o.mp4").path),
                                         options: GazeOptions(encoder: .init(preset: "ultrafast")), progress: log.record)
        expectWellFormedProgress(log.reports, stages: [.compositing, .encoding])
    }

    @Test("URL to URL: downloads the source, PUTs an intact result, progress in stage order to 100")
    func progressURLToURL() async throws {
        let input = try derivedFixture("v01_small.mp4")
        let expectedFrames = try await videoFrameTimes(input).count
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = ProgressLog()
        let (summary, uploaded) = try await LocalHTTPServer.with(routes: ["/source.mp4": .file(input)]) { server in
            let summary = try await sharedEngine().process(
                input: .url(server.url("/source.mp4")), output: .url(server.url("/result.mp4")),
                options: GazeOptions(encoder: .init(preset: "ultrafast")), progress: log.record)
            return (summary, server.uploads["/result.mp4"])
        }
        let body = try #require(uploaded, "nothing was PUT to /result.mp4")
        #expect(Int64(body.count) == summary.outputBytes)
        let received = folder.appendingPathComponent("received.mp4")
        try body.write(to: received)
        #expect(try await videoFrameMD5s(received).count == expectedFrames)
        #expect(try await probe(received).video?.codecName == "h264")
        expectWellFormedProgress(log.reports, stages: [.downloading, .compositing, .encoding, .uploading])
    }

    // MARK: 7. Concurrency

    @Test("two jobs on one engine at once both succeed with the right frame counts")
    func concurrentJobs() async throws {
        let engine = try sharedEngine()
        let first = try derivedFixture("v01_small.mp4"), second = try derivedFixture("noface_small.mp4")
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out1 = folder.appendingPathComponent("1.mp4"), out2 = folder.appendingPathComponent("2.mp4")
        let options = GazeOptions(encoder: .init(preset: "ultrafast"))

        async let job1 = engine.process(input: .file(first.path), output: .file(out1.path), options: options)
        async let job2 = engine.process(input: .file(second.path), output: .file(out2.path), options: options)
        let (summary1, summary2) = try await (job1, job2)

        let expected1 = try await videoFrameTimes(first).count, expected2 = try await videoFrameTimes(second).count
        #expect(summary1.frames == expected1)
        #expect(summary2.frames == expected2)
        #expect(try await videoFrameMD5s(out1).count == expected1)
        #expect(try await videoFrameMD5s(out2).count == expected2)
    }

    // MARK: 8. Output placement

    @Test("an output path that is a FIFO or a device (/dev/null) is written into, never replaced by a file")
    func streamOutput() async throws {
        #expect(OutputFile.isStream("/dev/null"))
        let input = try derivedFixture("noface_small.mp4")
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("out.fifo").path, spare = folder.appendingPathComponent("spare.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0 && link(fifo, spare) == 0)
        // Opening a FIFO blocks until both ends are open, so the reader waits beside the job.
        let reader = Task.detached { FileHandle(forReadingAtPath: fifo).flatMap { try? $0.readToEnd() } }
        let summary = try await sharedEngine().process(input: .file(input.path), output: .file(fifo),
                                                       options: GazeOptions(encoder: .init(preset: "ultrafast")))
        var info = stat()
        let stillFIFO = stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO
        // Had the FIFO been replaced, the reader would wait for ever: open its second name to release it.
        if !stillFIFO { close(open(spare, O_WRONLY | O_NONBLOCK)) }
        #expect(stillFIFO, "the FIFO was replaced by a file")
        let received = try #require(await reader.value)
        #expect(Int64(received.count) == summary.outputBytes)
        #expect(received.count > 8 && String(decoding: received[4..<8], as: UTF8.self) == "ftyp")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["out.fifo", "spare.fifo"],
                "no staging file is left beside it")
    }
}

// MARK: - Helpers

/// Checks frame timestamps pairwise (and the counts) within `tolerance` seconds.
func expectSameTimes(_ actual: [Double], _ expected: [Double], tolerance: Double,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "frame count \(actual.count) vs \(expected.count)", sourceLocation: sourceLocation)
    let off = zip(actual, expected).enumerated().filter { abs($0.element.0 - $0.element.1) > tolerance }
    let listed = off.prefix(8).map { "\($0.offset): \($0.element.0) vs \($0.element.1)" }.joined(separator: ", ")
    #expect(off.isEmpty, "frames at other times (index: output vs input): \(listed)", sourceLocation: sourceLocation)
}

/// Percent never decreases and ends at 100; stages appear exactly as `stages`, in that order, none returning.
func expectWellFormedProgress(_ reports: [GazeProgress], stages: [Stage], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!reports.isEmpty, "no progress was reported", sourceLocation: sourceLocation)
    let percents = reports.map(\.percent)
    #expect(zip(percents, percents.dropFirst()).allSatisfy { $0 <= $1 }, "percent went back: \(percents)", sourceLocation: sourceLocation)
    #expect(percents.last == 100, "last report: \(String(describing: reports.last))", sourceLocation: sourceLocation)
    var seen: [Stage] = []
    for report in reports where seen.last != report.stage { seen.append(report.stage) }
    #expect(seen == stages, "stage sequence \(seen.map(\.rawValue)), expected \(stages.map(\.rawValue))", sourceLocation: sourceLocation)
}

/// The engine's median, or `nil` when there is nothing to take it of.
func median(_ values: [Float]) -> Float? {
    values.isEmpty ? nil : GazeCorrector.median(values)
}

/// Every frame's analysis from `engine.analyze`, in frame order.
func analyses(of url: URL, options: GazeOptions = .init()) async throws -> [FrameAnalysis] {
    let box = NIOLockedValueBox<[FrameAnalysis]>([])
    try await sharedEngine().analyze(input: .file(url.path), options: options, onFrame: { frame in box.withLockedValue { $0.append(frame) } })
    return box.withLockedValue { $0 }.sorted { $0.index < $1.index }
}

/// |horizontal gaze offset| of the largest face of each frame that has one with a measured gaze.
func mainFaceOffsets(_ frames: [FrameAnalysis]) -> [Float] {
    frames.compactMap { frame in
        let face = frame.faces.max { ($0.box[2] - $0.box[0]) < ($1.box[2] - $1.box[0]) }
        return face?.gazeOffset.map { abs($0[0]) }
    }
}

/// v02_small corrected at intensity 1 (lossless), compared with its input; made once for the tests above.
private struct CorrectedRun: Sendable {
    var frames: Int
    var framesWithFace: Int
    /// Per frame, luma pixels that differ inside / outside the padded eye boxes.
    var changedInside: [Int]
    var changedOutside: [Int]
    var inputOffsets: [Float]
    var outputOffsets: [Float]
}

private let correctedRun = Task { () async throws -> CorrectedRun in
    let input = try derivedFixture("v02_small.mp4")
    let folder = try makeTemporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let output = folder.appendingPathComponent("corrected.mp4")
    let options = GazeOptions(correction: .init(intensity: 1), encoder: .init(crf: 0, preset: "ultrafast"))
    try await sharedEngine().process(input: .file(input.path), output: .file(output.path), options: options)

    guard let width = try await probe(input).video?.width, let height = try await probe(input).video?.height else {
        throw TestMediaError(description: "ffprobe gave no picture size for \(input.lastPathComponent)")
    }
    let before = try await lumaFrames(input, width: width, height: height)
    let after = try await lumaFrames(output, width: width, height: height)
    let found = try await analyses(of: input)
    guard after.count == before.count, found.count == before.count else {
        throw TestMediaError(description: "frames: input \(before.count), output \(after.count), analysed \(found.count)")
    }

    var inside = [Int](repeating: 0, count: before.count), outside = inside
    for (index, frame) in found.enumerated() {
        // The mask: each eye's landmark bounding box, padded by 1.6 eye widths on every side.
        var mask = [Bool](repeating: false, count: width * height)
        for face in frame.faces {
            for eye in [face.eyeLandmarks.prefix(6), face.eyeLandmarks.dropFirst(6)] where !eye.isEmpty {
                let xs = eye.map { $0[0] }, ys = eye.map { $0[1] }
                let pad = 1.6 * (xs.max()! - xs.min()!)
                let x0 = max(0, Int((xs.min()! - pad).rounded(.down))), x1 = min(width - 1, Int((xs.max()! + pad).rounded(.up)))
                let y0 = max(0, Int((ys.min()! - pad).rounded(.down))), y1 = min(height - 1, Int((ys.max()! + pad).rounded(.up)))
                guard x0 <= x1, y0 <= y1 else { continue }
                for y in y0...y1 { for x in x0...x1 { mask[y * width + x] = true } }
            }
        }
        for i in 0..<(width * height) where before[index][i] != after[index][i] {
            if mask[i] { inside[index] += 1 } else { outside[index] += 1 }
        }
    }
    let corrected = try await analyses(of: output)
    return CorrectedRun(frames: before.count, framesWithFace: found.filter { !$0.faces.isEmpty }.count,
                        changedInside: inside, changedOutside: outside,
                        inputOffsets: mainFaceOffsets(found), outputOffsets: mainFaceOffsets(corrected))
}

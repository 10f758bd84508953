import Foundation
import GazeTestSupport
import Testing
@testable import GazeEngine

/// Expensive inputs shared by every test in this file, each made at most once.
private enum Shared {
    static let modelPath =
        ProcessInfo.processInfo.environment["GAZE_MODEL"] ?? "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    /// The 100 MB predictor, loaded once (Swift's static lets are lazy and thread-safe).
    static let predictor = Result { () throws(GazeError) in try ShapePredictor(contentsOf: modelPath) }

    /// A frontal 1080p portrait, scaled to 960 px wide.
    static let portrait = Result { try rawLuma(of: fixture("p06_fr_obama_1080p_at_camera.jpg").path, width: 960) }
}

@Suite("dlib bridge")
struct DlibBridgeTests {
    @Test("the detector finds the one face in a frontal portrait")
    func detectsOneFace() throws {
        let image = try Shared.portrait.get()
        let faces = try image.withView { try FaceDetector().detect(in: $0) }
        try #require(faces.count == 1)
        let face = faces[0]
        #expect((100...250).contains(face.width), "face width \(face.width)")
        #expect(abs(face.width - face.height) < 0.1 * face.width, "HOG boxes are square-ish")
        let width = Float(image.width), height = Float(image.height)
        #expect(face.center.x > 0.35 * width && face.center.x < 0.65 * width, "centre \(face.center)")
        #expect(face.center.y > 0.05 * height && face.center.y < 0.5 * height, "centre \(face.center)")
    }

    @Test("padded rows and upsampling find the same face")
    func strideAndUpsample() throws {
        let image = try Shared.portrait.get()
        let detector = try FaceDetector()
        let plain = try image.withView { detector.detect(in: $0) }
        let padded = try image.withView(rowPadding: 64) { detector.detect(in: $0) }
        let upsampled = try image.withView(rowPadding: 13) { detector.detect(in: $0, upsample: true) }
        try #require(plain.count == 1 && upsampled.count == 1)
        #expect(padded == plain, "row stride must not change the result")
        #expect(upsampled[0].iou(plain[0]) > 0.6, "\(upsampled[0]) vs \(plain[0])")
    }

    @Test("no face in a blank frame")
    func blankFrame() throws {
        let blank = RawLuma(bytes: [UInt8](repeating: 128, count: 320 * 240), width: 320, height: 240)
        #expect(try blank.withView { try FaceDetector().detect(in: $0, upsample: true) }.isEmpty)
    }

    @Test("the predictor places 68 landmarks on the face, eyes in the upper half")
    func landmarksOnFace() throws {
        let predictor = try Shared.predictor.get()
        let image = try Shared.portrait.get()
        let (box, marks) = try image.withView { luma in
            let faces = try FaceDetector().detect(in: luma)
            let box = try #require(faces.first)
            return (box, predictor.landmarks(in: luma, box: box))
        }
        #expect(marks.points.count == 68)
        let margin = 0.2 * box.width
        for (i, p) in marks.points.enumerated() {
            #expect(p.x > box.left - margin && p.x < box.right + margin, "point \(i) \(p) vs \(box)")
            #expect(p.y > box.top - margin && p.y < box.bottom + margin, "point \(i) \(p) vs \(box)")
        }
        for (i, p) in marks.points[36...47].enumerated() {
            #expect(p.y > box.top && p.y < box.center.y, "eye point \(36 + i) \(p) vs \(box)")
        }
        let leftEyeX = marks.leftEye.map(\.x).reduce(0, +) / 6
        let rightEyeX = marks.rightEye.map(\.x).reduce(0, +) / 6
        #expect(leftEyeX < rightEyeX)
        #expect(marks.points[36].x < marks.points[39].x, "eye corners in iBUG order")
    }

    /// The portrait at `size` px wide (at 640 its face is about 85 px across), its top left corner at (`x`, `y`)
    /// on a grey `width`×`height` frame.
    static func smallPortrait(inFrame width: Int, _ height: Int, at x: Int, _ y: Int, scaledTo size: Int = 640) throws -> RawLuma {
        let portrait = try rawLuma(of: fixture("p06_fr_obama_1080p_at_camera.jpg").path, width: size)
        var frame = RawLuma(bytes: [UInt8](repeating: 120, count: width * height), width: width, height: height)
        for row in 0..<portrait.height {
            let to = (y + row) * width + x
            frame.bytes[to..<to + size] = portrait.bytes[row * size..<(row + 1) * size]
        }
        return frame
    }

    @Test("the tracker finds a face about 85 px wide in a 1080p frame, which the quick search alone misses")
    func smallFaceInLargeFrame() throws {
        let predictor = try Shared.predictor.get()
        let frame = try Self.smallPortrait(inFrame: 1920, 1080, at: 800, 200)
        let found = { (settings: DetectionSettings) in
            try frame.withView { luma in try FaceTracker(predictor: predictor, settings: settings).faces(in: luma) }
        }
        let faces = try found(DetectionSettings())
        try #require(faces.count == 1)
        let bounds = faces[0].landmarks.bounds
        #expect((70...100).contains(bounds.width), "jaw to jaw \(bounds.width) px")
        #expect(bounds.center.x > 900 && bounds.center.x < 1340, "centre \(bounds.center)")
        // Only at the quick search's scale (960×540) is it too small to find.
        #expect(try found(DetectionSettings(smallestFace: 200)).isEmpty)
    }

    /// dlib's detector, except that it finds nothing in the tracker's windows around a face (planes narrower
    /// than 600 px here) and, once `wholeFrame` is false, nothing in whole frames either.
    final class WindowBlindDetector: FaceDetecting {
        let real: FaceDetector
        var wholeFrame = true
        init() throws { real = try FaceDetector() }
        func detect(in luma: LumaView, upsample: Bool) -> [FaceBox] {
            luma.width >= 600 && wholeFrame ? real.detect(in: luma, upsample: upsample) : []
        }
    }

    @Test("a face its window re-detection misses twice is kept if the whole frame finds it, dropped if not")
    func windowMisses() throws {
        let predictor = try Shared.predictor.get()
        let frame = try Self.smallPortrait(inFrame: 1280, 720, at: 320, 100)
        for wholeFrame in [true, false] {
            let detector = try WindowBlindDetector()
            let tracker = try FaceTracker(predictor: predictor, settings: DetectionSettings(), detector: detector)
            // Frame 1 searches the whole frame; frames 11 and 21 re-detect in the window, and miss.
            let ids = try frame.withView { luma in
                (1...30).map { index in
                    if index == 2 { detector.wholeFrame = wholeFrame }
                    return tracker.faces(in: luma).map(\.id)
                }
            }
            #expect(ids[0..<21].allSatisfy { $0 == [0] }, "\(ids)")
            // Frame 22 searches the whole frame for the face its window missed twice.
            if wholeFrame {
                #expect(ids[21...].allSatisfy { $0 == [0] }, "found again, so kept under its id: \(ids)")
            } else {
                #expect(ids[21...].allSatisfy { $0.isEmpty }, "missed there too, so dropped: \(ids)")
            }
        }
    }

    /// dlib's detector in whole frames, shrunk there to the top middle of each face it finds (as a first
    /// detection that took only a forehead); in the tracker's windows (planes narrower than 600 px), a square
    /// of `windowShares[n]` of the window's width, centred, at the n-th window (the last share thereafter).
    final class ForeheadDetector: FaceDetecting {
        let real: FaceDetector
        var windowShares: [Float]
        init(windowShares: [Float]) throws {
            real = try FaceDetector()
            self.windowShares = windowShares
        }
        func detect(in luma: LumaView, upsample: Bool) -> [FaceBox] {
            guard luma.width >= 600 else {
                let (w, h) = (Float(luma.width), Float(luma.height))
                let half = w * (windowShares.count > 1 ? windowShares.removeFirst() : windowShares[0]) / 2
                return [FaceBox(left: w / 2 - half, top: h / 2 - half, right: w / 2 + half, bottom: h / 2 + half)]
            }
            return real.detect(in: luma, upsample: upsample).map { face in
                let half = face.width * 0.2
                return FaceBox(left: face.center.x - half, top: face.top, right: face.center.x + half, bottom: face.top + 2 * half)
            }
        }
    }

    @Test("a re-detection far larger than the face first found starts a new id; one of about its size keeps it")
    func refitGetsNewID() throws {
        let predictor = try Shared.predictor.get()
        let frame = try Self.smallPortrait(inFrame: 1280, 720, at: 320, 100)
        // A window spans about 2.2 times the followed box: 0.9 of it is another fit, 0.45 about the same face.
        // Frame 1 searches the whole frame; frames 11 and 21 re-detect in the window.
        for (shares, changed) in [([Float(0.9), 0.45], true), ([0.45], false)] {
            let detector = try ForeheadDetector(windowShares: shares)
            let tracker = try FaceTracker(predictor: predictor, settings: DetectionSettings(), detector: detector)
            let ids = try frame.withView { luma in (1...25).map { _ in tracker.faces(in: luma).map(\.id) } }
            let expected = (1...25).map { [changed && $0 >= 11 ? 1 : 0] }
            #expect(ids == expected, "window shares \(shares)")
        }
    }

    @Test("landmarks that start to run away from a fast-moving face are re-anchored by a detection at once")
    func runawayFitRedetected() throws {
        let predictor = try Shared.predictor.get()
        // An 82 px face that darts sideways 15 px a frame from frame 4 on: followed from the last box alone, its
        // landmarks swell frame by frame (87, 99, 111, 117 px) until they break the drift limit.
        let frames = try (0..<10).map { i in try Self.smallPortrait(inFrame: 1600, 900, at: 200 + 15 * max(0, i - 2), 150) }
        try Self.expectFollowedAsFound(frames, predictor: predictor)
    }

    @Test("a face that jumps a quarter of its width or more a frame is followed", arguments: [20, 30, 45])
    func fastMoveFollowed(step: Int) throws {
        let predictor = try Shared.predictor.get()
        // The 82 px face, still for three frames, then moving `step` px a frame. Fitted from the last box alone,
        // the landmarks stay where the face was (20 px a frame: 0.2 and 0.4 of its width behind on frames 4
        // and 5; 30 and 45 px: left behind on the empty background).
        let frames = try (0..<10).map { i in try Self.smallPortrait(inFrame: 1600, 900, at: 100 + step * max(0, i - 2), 150) }
        try Self.expectFollowedAsFound(frames, predictor: predictor)
    }

    /// Follows `frames` with one tracker and expects the face on each within a tenth of its width, in size and
    /// across, of where a tracker new to that frame finds it.
    static func expectFollowedAsFound(_ frames: [RawLuma], predictor: ShapePredictor,
                                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tracker = try FaceTracker(predictor: predictor, settings: DetectionSettings())
        for (index, frame) in frames.enumerated() {
            let (found, kept) = try frame.withView { luma in
                (try #require(try FaceTracker(predictor: predictor, settings: DetectionSettings()).faces(in: luma).first,
                              sourceLocation: sourceLocation),
                 try #require(tracker.faces(in: luma).first, "frame \(index + 1): face lost", sourceLocation: sourceLocation))
            }
            let (a, b) = (found.landmarks.bounds, kept.landmarks.bounds)
            #expect(abs(b.width / a.width - 1) < 0.1 && abs(b.center.x - a.center.x) < 0.1 * a.width,
                    "frame \(index + 1): followed \(b), found afresh \(a)", sourceLocation: sourceLocation)
        }
    }

    @Test("a face's look is the same under any brightness and contrast, and not once the face moved from under it")
    func faceLook() throws {
        let predictor = try Shared.predictor.get()
        let frame = try Self.smallPortrait(inFrame: 640, 480, at: 100, 100)
        let moved = try Self.smallPortrait(inFrame: 640, 480, at: 120, 100)  // a quarter of the 82 px face
        var dimmed = frame
        dimmed.bytes = dimmed.bytes.map { UInt8(Float($0) * 0.6 + 30) }
        let resampler = LumaResampler()
        let bounds = try frame.withView { luma in
            try #require(try FaceTracker(predictor: predictor, settings: DetectionSettings()).faces(in: luma).first).landmarks.bounds
        }
        let look = { (image: RawLuma) in try image.withView { try #require(FaceLook($0, bounds: bounds, resampler: resampler)) } }
        let same = try look(frame).similarity(to: look(dimmed))
        let away = try look(frame).similarity(to: look(moved))
        #expect(same > 0.99, "same face, dimmed: \(same)")
        #expect(away < 0.5, "face moved a quarter of its width: \(away)")
        let edge = FaceBox(left: 630, top: 100, right: 700, bottom: 190)
        #expect(try frame.withView { FaceLook($0, bounds: edge, resampler: resampler) } == nil, "a face almost wholly outside the frame has no look")
    }

    @Test("one predictor serves several threads at once with identical results")
    func concurrentPrediction() async throws {
        let predictor = try Shared.predictor.get()
        let image = try Shared.portrait.get()
        let box = try image.withView { try #require(try FaceDetector().detect(in: $0).first) }
        let expected = try image.withView { predictor.landmarks(in: $0, box: box) }
        let results = try await withThrowingTaskGroup(of: FaceLandmarks.self) { group in
            for _ in 0..<8 {
                group.addTask { try image.withView { predictor.landmarks(in: $0, box: box) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8 && results.allSatisfy { $0 == expected })
    }

    @Test("a missing model file is modelUnavailable, naming the path")
    func missingModel() {
        let path = "/nonexistent/\(UUID().uuidString)/shape_predictor.dat"
        let error = #expect(throws: GazeError.self) { try ShapePredictor(contentsOf: path) }
        #expect(error?.code == .modelUnavailable)
        #expect(error?.message.contains(path) == true)
    }

    @Test("a garbage model file is modelUnavailable")
    func garbageModel() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-\(UUID().uuidString).dat")
        try Data("this is not a dlib shape predictor, just junk \u{1}\u{2}\u{3}".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: GazeError.self) { try ShapePredictor(contentsOf: url.path) }
        #expect(error?.code == .modelUnavailable)
        #expect(error?.message.contains(url.path) == true)
    }
}

import Foundation
import Testing

@testable import GazeEngine

/// The per-face gaze logic on a drawn face whose true iris position is known: proportional correction,
/// the look-away, head-turn and blink gates, and the ramps between them.
@Suite("Gaze corrector")
struct GazeCorrectorTests {
    static let width = 320, height = 200
    static let eyeWidth: Float = 60

    /// A face with both eyes drawn, their irises at `iris` (eye coordinates; the image-right eye's at `second`
    /// when given), lids `lids` eye widths from the corner line, both eyes `eyeWidth` pixels wide but the
    /// image-right one `secondWidth` when given (as a turned head's far eye), and the nose tip placed for a head
    /// turned by about `yaw` degrees.
    struct Face {
        var picture: [UInt8]
        var landmarks: FaceLandmarks

        init(iris: SIMD2<Float>, second: SIMD2<Float>? = nil, lids: (up: Float, down: Float) = (0.15, 0.12), yaw: Float = 0,
             secondWidth: Float? = nil, eyeWidth: Float = GazeCorrectorTests.eyeWidth) throws {
            let centers = [SIMD2<Float>(110, 100), SIMD2<Float>(210, 100)]
            var points = [SIMD2<Float>](repeating: SIMD2(160, 150), count: 68)
            var picture = [UInt8](repeating: 150, count: GazeCorrectorTests.width * GazeCorrectorTests.height)
            for (index, center) in centers.enumerated() {
                let width = index == 1 ? secondWidth ?? eyeWidth : eyeWidth
                let eye = try #require(DrawnEye.geometry(center: center, width: width, lids: lids))
                let drawn = DrawnEye.picture(width: GazeCorrectorTests.width, height: GazeCorrectorTests.height, eye: eye,
                                             iris: index == 1 ? second ?? iris : iris)
                for (i, value) in drawn.enumerated() where value != 150 { picture[i] = value }
                let first = 36 + index * 6
                for k in 0..<6 { points[first + k] = eye.toImage(eye.contour[k]) }
            }
            // Jaw ends and nose tip: the yaw estimate reads where the nose sits between the jaw ends.
            points[0] = SIMD2(60, 110)
            points[16] = SIMD2(260, 110)
            let ratio = 1.7 * sin(yaw * .pi / 180)
            points[30] = SIMD2(160 + ratio * 100, 140)
            self.picture = picture
            landmarks = FaceLandmarks(points: points)
        }
    }

    /// Runs `frames` frames at `fps` through one corrector, nothing known of the frames after each (as at the end
    /// of a file), and returns the last frame's result.
    static func run(_ corrector: inout GazeCorrector, _ face: Face, frames: Int, from start: Int = 0, fps: Double = 30,
                    share: Float = 1, settings: CorrectionSettings = CorrectionSettings()) throws -> (fields: [EyeWarpField], analysis: FaceAnalysis) {
        let locator = IrisLocator()
        var last: (fields: [EyeWarpField], analysis: FaceAnalysis)?
        try RawLuma(bytes: face.picture, width: width, height: height).withView { luma in
            for frame in start..<(start + frames) {
                last = corrector.update(seen: SeenEyes(landmarks: face.landmarks, luma: luma, locator: locator), ahead: .init(), share: share,
                                        luma: luma, time: Double(frame) / fps, settings: settings)
            }
        }
        return try #require(last)
    }

    /// The vertical move off the aim (eye widths, negative up) that the corrector's reading in `analysis` asks for
    /// on eyes wide enough for it to be trusted whole: the reading below the neutral, scaled by both vertical gains.
    static func verticalMoveAsked(_ analysis: FaceAnalysis) throws -> Float {
        let read = try #require(analysis.gazeOffset?.last) - GazeCorrector.neutralV
        return -read * GazeCorrector.verticalGain * GazeCorrector.verticalMoveGain
    }

    /// Runs one corrector over `faces`, one a frame at `fps`, each frame knowing this face on the frames of the
    /// next `GazeCompositor.lookAheadSeconds`, as the pipeline tells it — and, if `trackEnds`, that the video goes
    /// on without the face after the last of them; every frame's result.
    static func play(_ faces: [Face], fps: Double = 30, trackEnds: Bool = false) throws -> [(fields: [EyeWarpField], analysis: FaceAnalysis)] {
        var corrector = GazeCorrector()
        let locator = IrisLocator()
        let seen = try faces.map { face in
            try RawLuma(bytes: face.picture, width: width, height: height).withView { SeenEyes(landmarks: face.landmarks, luma: $0, locator: locator) }
        }
        let samples = seen.enumerated().map { $0.element.sample(at: Double($0.offset) / fps) }
        let end = Double(faces.count) / fps
        return try faces.enumerated().map { index, face in
            let now = samples[index].time
            let held = { (time: Double) in time - now <= GazeCompositor.lookAheadSeconds + 1e-6 }
            let ahead = GazeCorrector.Ahead(samples: Array(samples[(index + 1)...].prefix { held($0.time) }),
                                            trackEndsIn: trackEnds && held(end) ? end - now : nil)
            return try RawLuma(bytes: face.picture, width: width, height: height).withView { luma in
                corrector.update(seen: seen[index], ahead: ahead, luma: luma, time: now, settings: CorrectionSettings())
            }
        }
    }

    @Test("intensity 1 moves both irises onto the centre (with the sideways gain, smaller for a turned head); 0.5 half as far; 0 not at all")
    func proportional() throws {
        // Small enough a glance that the move stretches the white without the sclera fill (which would take
        // the gain back).
        let face = try Face(iris: SIMD2(0.08, -0.075))
        var shifts: [Float] = []
        for intensity in [1.0, 0.5, 0.0] {
            var corrector = GazeCorrector()
            let result = try Self.run(&corrector, face, frames: 20, settings: CorrectionSettings(intensity: intensity))
            #expect(result.fields.count == (intensity > 0 ? 2 : 0))
            shifts.append(result.fields.first?.shift.x ?? 0)
        }
        let full = -0.08 * GazeCorrector.horizontalGain(yaw: 0)
        #expect(abs(shifts[0] - full) < 0.02, "intensity 1 should move the iris \(full) eye widths, moved \(shifts[0])")
        #expect(abs(shifts[1] - shifts[0] / 2) < 0.005)
        #expect(shifts[2] == 0)
        // A head turned 25° takes the smaller gain: its estimate already leans toward the side the face turns to.
        var turned = GazeCorrector()
        let aside = try Self.run(&turned, Face(iris: SIMD2(0.08, -0.075), yaw: 25), frames: 20).fields.first?.shift.x ?? 0
        #expect(abs(aside + 0.08 * GazeCorrector.turnedHorizontalGain) < 0.02, "a turned head's iris moved \(aside)")
    }

    @Test("a large glance fills the side each iris leaves, mirrored about that eye's own iris; a small one is not repainted")
    func scleraFillPerEye() throws {
        var corrector = GazeCorrector()
        let large = try Self.run(&corrector, Face(iris: SIMD2(0.1, -0.075), second: SIMD2(0.22, -0.075)), frames: 20)
        #expect(large.fields.count == 2)
        for (field, own) in zip(large.fields, [Float(0.1), 0.22]) {
            #expect(field.fill.strength > 0.3, "a move of \(field.shift.x) from \(own) should use the fill")
            // The fill mirrors about the midpoint of where this eye's iris is and where it lands.
            #expect(abs((field.fill.mirror - field.fill.target) - own) < 0.03, "mirrored about \(field.fill.mirror - field.fill.target), not \(own)")
        }
        // Half the intensity fills as much: whether to fill is judged on the whole move (which the fold limit
        // may have shortened a little, so the half can fill slightly more).
        var halfway = GazeCorrector()
        let half = try Self.run(&halfway, Face(iris: SIMD2(0.1, -0.075), second: SIMD2(0.22, -0.075)), frames: 20,
                                settings: CorrectionSettings(intensity: 0.5))
        #expect(half.fields.count == 2)
        for (field, whole) in zip(half.fields, large.fields) {
            #expect(abs(field.shift.x) < abs(whole.shift.x) * 0.75)
            #expect(field.fill.strength >= whole.fill.strength - 0.01, "half: \(field.fill.strength), whole: \(whole.fill.strength)")
        }
        var calm = GazeCorrector()
        let small = try Self.run(&calm, Face(iris: SIMD2(0.045, -0.075)), frames: 20)
        #expect(small.fields.count == 2)
        #expect(small.fields.allSatisfy { $0.fill.strength == 0 }, "a small move repainted the sclera")
    }

    @Test("gaze beyond the look-away threshold is left alone; below it, it is corrected")
    func lookAway() throws {
        var near = GazeCorrector(), edge = GazeCorrector(), far = GazeCorrector()
        // On the estimate's scale (offset ≈ 0.55·sin(angle)): 0.08 eye widths ≈ 8°, 0.17 ≈ 18° (just inside
        // the 20° default), 0.31 ≈ 34° (past the 30° default).
        let corrected = try Self.run(&near, Face(iris: SIMD2(0.08, -0.075)), frames: 20)
        let glance = try Self.run(&edge, Face(iris: SIMD2(0.17, -0.075)), frames: 20)
        let kept = try Self.run(&far, Face(iris: SIMD2(0.31, -0.075)), frames: 20)
        #expect(corrected.analysis.gateWeight > 0.95)
        #expect(glance.analysis.gateWeight > 0.95, "an 18° glance is corrected fully, weight \(glance.analysis.gateWeight)")
        #expect(kept.analysis.gateWeight < 0.05)
        #expect(kept.fields.isEmpty)
        // Raising the threshold brings it back.
        var wide = GazeCorrector()
        let widened = try Self.run(&wide, Face(iris: SIMD2(0.31, -0.075)), frames: 20,
                               settings: CorrectionSettings(fullCorrectionBelowDegrees: 40, noCorrectionBeyondDegrees: 50))
        #expect(widened.analysis.gateWeight > 0.95)
    }

    @Test("a face much narrower than the widest one is left alone as a bystander, unless every face is to be corrected")
    func bystander() throws {
        let face = try Face(iris: SIMD2(0.1, -0.075))
        func weight(share: Float, settings: CorrectionSettings = CorrectionSettings()) throws -> Float {
            var corrector = GazeCorrector()
            return try Self.run(&corrector, face, frames: 10, share: share, settings: settings).analysis.gateWeight
        }
        #expect(try weight(share: 1) > 0.95)
        #expect(try weight(share: 0.55) > 0.95, "a second presenter a little further away is corrected")
        #expect(try weight(share: 0.3) == 0)
        let between = try weight(share: 0.45)
        #expect(between > 0.05 && between < 0.95, "fades out between 0.4 and 0.5 of the widest: \(between)")
        #expect(try weight(share: 0.3, settings: CorrectionSettings(backgroundFaceShare: 0)) > 0.95)
    }

    @Test("settings encoded before the background face share existed decode with its default; new ones round-trip")
    func settingsCoding() throws {
        let older = #"{"intensity":0.7,"fullCorrectionBelowDegrees":20,"noCorrectionBeyondDegrees":30,"headTurnFullBelowDegrees":30,"#
            + #""headTurnNoneBeyondDegrees":45,"targetBelowLensDegrees":2}"#
        let decoded = try JSONDecoder().decode(CorrectionSettings.self, from: Data(older.utf8))
        #expect(decoded == CorrectionSettings(intensity: 0.7))
        let chosen = CorrectionSettings(intensity: 0.5, backgroundFaceShare: 0)
        #expect(try JSONDecoder().decode(CorrectionSettings.self, from: JSONEncoder().encode(chosen)) == chosen)
    }

    @Test("a head turned past the head-turn threshold is left alone")
    func headTurn() throws {
        var corrector = GazeCorrector()
        let result = try Self.run(&corrector, Face(iris: SIMD2(0.05, -0.075), yaw: 55), frames: 20)
        #expect(result.analysis.headYawDegrees > 45)
        #expect(result.fields.isEmpty)
    }

    @Test("a face whose track is about to end eases out over a quarter second, uncorrected on its last frame")
    func trackEnd() throws {
        let face = try Face(iris: SIMD2(0.1, -0.075))
        let weights = try Self.play(Array(repeating: face, count: 40), trackEnds: true).map(\.analysis.gateWeight)
        let steps = zip(weights[30...], weights[31...]).map { $0 - $1 }
        #expect(weights[30] > 0.95, "weights \(weights[30...])")
        #expect(weights[39] < 0.01, "weight \(weights[39]) on the last frame it is seen on")
        #expect(steps.allSatisfy { $0 >= 0 && $0 < 0.2 }, "falls gradually: \(weights[30...])")
        let kept = try Self.play(Array(repeating: face, count: 40)).map(\.analysis.gateWeight)
        #expect(kept[39] > 0.95, "a face seen to the end of the video keeps its weight: \(kept[39])")
    }

    @Test("a face there from the first frame is corrected at once; one found later eases in")
    func firstFrame() throws {
        let face = try Face(iris: SIMD2(0.1, -0.075))
        var atStart = GazeCorrector(), later = GazeCorrector(fullFromStart: false)
        #expect(try Self.run(&atStart, face, frames: 1).analysis.gateWeight > 0.95)
        let first = try Self.run(&later, face, frames: 1, from: 90)
        #expect(first.analysis.gateWeight == 0 && first.fields.isEmpty, "weight \(first.analysis.gateWeight)")
        let next = try Self.run(&later, face, frames: 2, from: 91)
        #expect(next.analysis.gateWeight > 0.1 && next.analysis.gateWeight < 0.5, "weight \(next.analysis.gateWeight)")
        #expect(try Self.run(&later, face, frames: 10, from: 93).analysis.gateWeight > 0.95)
    }

    @Test("a moving head: the eye landmarks keep up with it, and the gaze reads as it does still")
    func movingHead() throws {
        let face = try Face(iris: SIMD2(0.1, -0.075))
        let locator = IrisLocator()
        var moving = GazeCorrector(), still = GazeCorrector()
        var smoother = EyeLandmarkSmoother()
        var lag: Float = 0, gazeGap: Float = 0
        for frame in 0..<15 {
            // The whole face 3 px further right each frame (90 px/s).
            let dx = 3 * frame
            var picture = [UInt8](repeating: 150, count: face.picture.count)
            for row in 0..<Self.height {
                let start = row * Self.width
                picture[start + dx..<start + Self.width] = face.picture[start..<start + Self.width - dx]
            }
            let shifted = FaceLandmarks(points: face.landmarks.points.map { $0 + SIMD2(Float(dx), 0) })
            let time = Double(frame) / 30
            let smoothed = smoother.smooth(shifted, at: time)
            let now = try RawLuma(bytes: picture, width: Self.width, height: Self.height).withView { luma in
                moving.update(seen: SeenEyes(landmarks: smoothed, luma: luma, locator: locator), ahead: .init(), luma: luma, time: time,
                              settings: CorrectionSettings()).analysis
            }
            let reference = try RawLuma(bytes: face.picture, width: Self.width, height: Self.height).withView { luma in
                still.update(seen: SeenEyes(landmarks: face.landmarks, luma: luma, locator: locator), ahead: .init(), luma: luma, time: time,
                             settings: CorrectionSettings()).analysis
            }
            for (point, truth) in zip(now.eyeLandmarks, shifted.points[36...47]) {
                lag = max(lag, abs(point[0] - truth.x))
            }
            if let a = now.gazeOffset, let b = reference.gazeOffset { gazeGap = max(gazeGap, abs(a[0] - b[0])) }
        }
        #expect(lag < 0.8, "the eye landmarks trailed the head by \(lag) px")
        #expect(gazeGap < 0.01, "the moving face's gaze read \(gazeGap) eye widths from the still one's")
    }

    /// Alternates the irises between `a` and `b` every frame for `frames` frames; the last frame's result.
    static func zigzag(_ a: Face, _ b: Face, frames: Int, fps: Double) throws -> (fields: [EyeWarpField], analysis: FaceAnalysis) {
        var corrector = GazeCorrector()
        var last: (fields: [EyeWarpField], analysis: FaceAnalysis)?
        for frame in 0..<frames { last = try run(&corrector, frame % 2 == 0 ? a : b, frames: 1, from: frame, fps: fps) }
        return try #require(last)
    }

    @Test("an estimate that zigzags even once smoothed is not followed; one that smoothing steadies is, and so is a glance")
    func jitter() throws {
        // 0.12 eye widths apart at 12 fps: too few frames for the smoothing to hold the estimate still.
        let left = try Face(iris: SIMD2(-0.06, -0.075)), right = try Face(iris: SIMD2(0.06, -0.075))
        let shaken = try Self.zigzag(left, right, frames: 30, fps: 12)
        #expect(shaken.analysis.gateWeight < 0.05, "weight \(shaken.analysis.gateWeight) on an estimate jumping 0.12 a frame at 12 fps")
        // 0.06 apart at 30 fps, as the far eye of a turned head can read: smoothed, the estimate holds still.
        let steadied = try Self.zigzag(Face(iris: SIMD2(0.05, -0.075)), Face(iris: SIMD2(0.11, -0.075)), frames: 30, fps: 30)
        #expect(steadied.analysis.gateWeight > 0.95, "weight \(steadied.analysis.gateWeight) on an estimate jumping 0.06 a frame at 30 fps")
        // The same two positions, but as one glance from one to the other and a stay there.
        var steady = GazeCorrector()
        _ = try Self.run(&steady, left, frames: 15)
        let glanced = try Self.run(&steady, right, frames: 20, from: 15)
        #expect(glanced.analysis.gateWeight > 0.95, "weight \(glanced.analysis.gateWeight) after one glance")
    }

    @Test("both irises move by the same number of pixels, sideways and up, when one eye is narrower, as a turned head's far eye is")
    func samePixels() throws {
        var corrector = GazeCorrector()
        // Small enough a glance that neither eye needs the sclera fill, which takes the sideways gain back per eye.
        let face = try Face(iris: SIMD2(0.03, GazeCorrector.neutralV + 0.04), secondWidth: 40)
        let result = try Self.run(&corrector, face, frames: 20)
        try #require(result.fields.count == 2)
        try #require(result.fields.allSatisfy { $0.fill.strength == 0 })
        let moves = result.fields.map { $0.shift * $0.eye.width }
        #expect(moves[0].x < -1 && moves[0].y < -1, "moved by \(moves[0]) px")
        #expect(abs(moves[0].x - moves[1].x) < 0.05, "moved sideways by \(moves[0].x) and \(moves[1].x) px")
        #expect(abs(moves[0].y - moves[1].y) < 0.05, "raised by \(moves[0].y) and \(moves[1].y) px")
    }

    @Test("a lowered gaze is raised at least to the neutral; a gaze already there is only aimed slightly below the lens")
    func vertical() throws {
        var lowered = GazeCorrector(), level = GazeCorrector()
        // 0.045 eye widths below the neutral: about 14° down once the vertical gain has scaled it, inside the
        // look-away threshold. (The drawn lids stay put, so the estimate reads all of it, unlike a real eye's.)
        let drop: Float = 0.045
        let raised = try Self.run(&lowered, Face(iris: SIMD2(0, GazeCorrector.neutralV + drop)), frames: 20)
        let kept = try Self.run(&level, Face(iris: SIMD2(0, GazeCorrector.neutralV)), frames: 20)
        let raise = try #require(raised.fields.first).shift.y
        let aim = try #require(kept.fields.first).shift.y
        #expect(raise < -drop, "moved \(raise) eye widths; the iris sits \(drop) below the neutral")
        // The move off the aim is the one the reading asks for, both gains included: a raise that carries the lids
        // reads as less than itself.
        let asked = try Self.verticalMoveAsked(raised.analysis)
        #expect(abs(raise - aim - asked) < 0.005, "raised \(aim - raise) eye widths off the aim, expected \(-asked)")
        // 2° below the lens is about 0.019 eye widths down (0.55·sin 2°).
        #expect(aim > 0 && aim < 0.04, "moved \(aim) eye widths")
    }

    @Test("the eyes of a face about 80 px wide (15 px) take the whole vertical move the estimate asks for; tinier ones part")
    func verticalSmallEyes() throws {
        // Aimed at the lens itself, so that the whole vertical move is the one the reading asks for.
        let atLens = CorrectionSettings(targetBelowLensDegrees: 0)
        /// The share of that move that eyes `eyeWidth` px wide get.
        func share(eyeWidth: Float) throws -> Float {
            var corrector = GazeCorrector()
            let face = try Face(iris: SIMD2(0, GazeCorrector.neutralV + 0.045), eyeWidth: eyeWidth)
            let result = try Self.run(&corrector, face, frames: 20, settings: atLens)
            let asked = try Self.verticalMoveAsked(result.analysis)
            #expect(asked < -0.02, "the reading asked for \(asked) eye widths")
            return try #require(result.fields.first).shift.y / asked
        }
        let small = try share(eyeWidth: 15), tiny = try share(eyeWidth: 11)
        #expect(abs(small - 1) < 0.05, "15 px eyes got \(small) of the move asked for")
        #expect(tiny > 0 && tiny < 0.5, "11 px eyes got \(tiny) of the move asked for")
    }
}

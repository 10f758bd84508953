import Foundation

/// What the engine saw and decided for one face in one frame (the `--analyze` record). Positions are pixels of
/// the coded picture; "left", "right" and the offsets are as the viewer sees it (after any rotation tag).
public struct FaceAnalysis: Sendable, Codable, Equatable {
    /// The face's track: the same from frame to frame while the face is followed; a face lost and found
    /// again, or re-fitted to a box of another size, gets a new one.
    public var id: Int
    public var box: [Float]
    /// Eye landmarks 36–47 as [x, y] pairs, after temporal smoothing.
    public var eyeLandmarks: [[Float]]
    /// Iris centres in pixels (image-left eye first); absent when the iris could not be found.
    public var irisCenters: [[Float]?]
    /// Estimated gaze offset in eye widths (h: + toward image right, v: + down), both eyes averaged.
    public var gazeOffset: [Float]?
    /// Estimated head yaw in degrees (+ toward image right).
    public var headYawDegrees: Float
    /// Correction weight applied, 0 … 1 (look-away, blink and confidence gates, ramped over time).
    public var gateWeight: Float
    /// Eye aspect ratio of the less open eye, and whether the eyes count as blinking (by that ratio, or by the
    /// dark band over the irises when the lids' landmarks miss a closing eye).
    public var eyeOpenness: Float
    public var blinking: Bool
    /// Height of the dark band over the irises in eye widths, both eyes averaged: the lids' opening as the pixels
    /// show it, the blink gate's second measure. Absent where no iris shows one.
    public var irisBand: Float?
}

/// Per-face gaze state across frames: smooths the gaze, gates the correction for look-away, blinks and
/// uncertain irises, ramps the weight, and yields the two eye warp fields.
struct GazeCorrector {
    /// 1 Hz when still: a fixation's estimate jitters by a few hundredths of an eye width from frame to frame,
    /// and each jitter moved the lids with it (2.5 Hz cost the frontal clip 0.02 of blink correlation and 0.1 of
    /// horizontal reduction by the referee); the speed term still follows a glance within a few frames.
    /// Causal, though the frames ahead are held: averaging in a pass run backward from them cut the estimate's lag
    /// behind the gaze referee from one to three frames to none to two, yet moved no referee figure beyond its
    /// noise, and the zigzag of 12 px eyes then slipped past their gate.
    private var gazeFilter = OneEuroFilter(minCutoff: 1, beta: 2)
    /// Each eye's own iris centre, smoothed like the gaze: large moves are centred on it and fill about it.
    private var irisFilters = [OneEuroFilter](repeating: OneEuroFilter(minCutoff: 1, beta: 2), count: 2)
    /// Head yaw as the sideways gain reads it (degrees; the cut-off rises 1 Hz per 20°/s): from the jaw and nose,
    /// which are not smoothed, it jitters by about a degree a frame (several while the head moves), and the
    /// gain, which scales the move, must not make the irises jitter with it.
    private var yawFilter = OneEuroFilter(minCutoff: 1, beta: 0.05)
    private var weight: Float = 0
    /// The share of the vertical move kept besides `weight`, ramped as it is (`BlinkGate.bandVerticalRatio`).
    private var verticalWeight: Float = 0
    private var lastTime: Double?
    /// Whether the first frame takes its weight at once (a face there from the video's start) or ramps up
    /// from none (a face found later: its eyes were shown uncorrected on the frame before).
    private let fullFromStart: Bool
    /// The face's track id, reported in the analysis.
    private let id: Int
    private var blinks = BlinkGate()
    /// The smoothed horizontal estimate's last three values, and how sharply it turned on each of the last few
    /// frames (the size of its second difference, eye widths).
    private var recentH: [Float] = []
    private var turns: [Float] = []

    /// Eyes narrower than this many pixels are left alone: too few pixels to move an iris cleanly.
    static let minimumEyeWidth: Float = 9
    /// Where the iris centre sits across the dlib corner line, in eye widths, for a person looking into the lens
    /// (measured on frontal clips; the iris sits slightly above the line joining the corners).
    static let neutralV: Float = -0.075
    /// The estimate's offsets grow as about this many eye widths times sin(gaze angle). Geometry says about
    /// 0.48 (0.45 between the outer lid corners, and dlib's corner landmarks sit about 7 % inside those), but
    /// on the same frames the estimate reads 1.17 (sideways clip) to 1.38 (frontal clip) times the gaze
    /// referee's offsets, whose scale is 0.45·sin(angle): a radius of 0.48 put a 20° glance at 23–26° and
    /// half-closed the look-away gate on it.
    static let turnRadius: Float = 0.55
    /// A sideways move measured against dlib's corners reads as less than itself: the gaze referee registers
    /// 0.48–0.60 of the move on the sideways and frontal clips and 0.49 on a still whose iris was moved a
    /// known amount (its eye corners drift a quarter of the way with the iris, though their pixels stay put),
    /// and at 100 % crop the irises of a fully corrected sideways glance still sit toward the side. Of 1.2, 1.3
    /// and 1.45, 1.3 did best on the frontal clip (1.45 overshoots there) and as well as 1.45 on the sideways one.
    /// Since the iris locator pairs its rims (`refineAlongAxis`) the estimate reads 0.88–0.99 of what it did on the
    /// same frames, and 1.4 restores the share of the offset removed (mean over nine clips 0.82; 0.81 before,
    /// 0.76 with 1.3), with none past the centre on average on any clip.
    /// Only the stretched part of a move is scaled: where the sclera fill paints the vacated side, the referee
    /// registers the move whole (`EyeWarpField`'s `stretchGain`).
    /// That 1.4 was for any head; this is what a turned head takes (`horizontalGain(yaw:)`), a head facing the
    /// camera more. Once both irises moved by the same pixels (the far eye had been moved less), 1.25 left less of
    /// the offset than 1.4 on 12 of 15 clips (0.024 ± 0.007 of it, paired over 560 off-centre frames): the nearer
    /// eye of the frontal clip's turn had been going twice its offset past the centre. At 1.1 the sideways clip and
    /// its phone crop kept 0.05–0.07 more; at 1.6 every clip tried did worse.
    static let turnedHorizontalGain: Float = 1.25
    /// The gain for a head facing the camera. The estimate reads a turned head's gaze further toward the side
    /// the face turns to than the referee does (by 0.09–0.19 × sin yaw on twelve clips), so one gain served
    /// neither: at 1.4 the frontal clips' frames with the head within 10° of the camera kept 0.42 of their
    /// offset (on average over nine clips) while those turned 20°–32° went past the centre. At 1.8, 2.0 and 2.2
    /// (the yaw not yet smoothed) those frames kept 0.25, 0.16 and 0.10 (the rolled clip already past the centre
    /// at 1.8), and `h red` over thirteen clips read 0.718, 0.726 and 0.718 (0.693 at 1.4; 0.728 as built).
    static let frontalHorizontalGain: Float = 2.0
    /// Head yaw (degrees, either way) over which the gain eases from the frontal to the turned one.
    static let gainYaw: ClosedRange<Float> = 10...20

    /// The sideways gain for a head turned `yaw` degrees.
    static func horizontalGain(yaw: Float) -> Float {
        let turned = smoothstep(gainYaw.lowerBound, gainYaw.upperBound, abs(yaw))
        return frontalHorizontalGain + (turnedHorizontalGain - frontalHorizontalGain) * turned
    }
    /// The vertical estimate reads only part of a vertical gaze move, because the lids move with the iris
    /// and the matched filter partly follows the opening: moving a still's iris and upper lid down by a
    /// known 0.084 eye widths moved the estimate by 0.026–0.041 (a gain of 2.0–3.2 would undo that).
    /// Offsets from the neutral are scaled back up by this much, the middle of that range.
    static let verticalGain: Float = 2.4
    /// A raise that carries the lids reads as less than itself, as a stretched sideways move does (the gaze
    /// referee's eye corners follow the lids): the referee read the looking-down frames of eight clips landing
    /// a median 0.0215 eye widths below its neutral, where the 2° aim is 0.016. The vertical move off the aim is
    /// scaled by this much, as the sideways one is by `horizontalGain(yaw:)`; the gaze's reading, which the
    /// look-away gate judges, is not. At 1.17, 1.25 and 1.33 (the reading scaled too) the outputs landed a median
    /// 0.0177, 0.0157 and 0.0158 below the neutral; as built, 0.0161.
    static let verticalMoveGain: Float = 1.25
    /// Typical twitch of the smoothed estimate (the median size of its second difference over the last
    /// `jitterFrames`) over which the correction fades out: an estimate that still zigzags after smoothing is
    /// noise, and moving irises by it would only make them twitch. The median, so that a glance (a turn or
    /// two) does not count. Measured: medians 0.002–0.005 on steady faces, 0.05–0.08 while a head turns fast
    /// (the sideways clip's first half second), above 0.02 on 83–93 % of the frames of 12 px eyes in a 12 fps
    /// clip. Judged after the smoothing, not before: on the sideways clip the raw estimate jumps 0.05 a frame
    /// for seconds (45 and 60 px eyes) while the smoothed one moves steadily; a gate on the raw jumps took part
    /// of the correction on 12–20 % of the frames of five clips whose output would not have twitched.
    static let noisyJitter: ClosedRange<Float> = 0.02...0.04
    static let jitterFrames = 9
    /// Iris confidence over which the correction fades in (and, per eye, the sclera fill).
    static let irisTrust: ClosedRange<Float> = 0.15...0.45
    /// Eye widths in pixels over which vertical correction fades in (none below, full above): from the smallest
    /// eye corrected at all to that of a face about 80 px wide. On a 90 px face (15 px eyes) the smoothed vertical
    /// estimate follows the gaze referee's reading about as closely as on 62 px eyes (r 0.85 against 0.88,
    /// residual 0.016 against 0.011 eye widths, the same frame-to-frame jitter), and with 12–28 px the 90 px face
    /// kept its lowered gaze (`v red` 0.01; 0.65 with 9–15 px, 0.61 against 0.28 on the 20 px eyes of `shake`).
    static let verticalTrustWidths: ClosedRange<Float> = minimumEyeWidth...15
    /// Seconds over which the correction fades out before a face's track ends (a hand over an eye, the face
    /// leaving the picture), as long as it takes to ease in on a face found again: a face still corrected on
    /// the frame before it is lost would snap back to the input's gaze.
    static let exitSeconds: Float = 0.25

    /// What the frames after this one, held by the pipeline, show of this face.
    struct Ahead {
        /// Its eyes' openness (the lids' and the iris band's) on each of them where it is seen.
        var samples: [BlinkGate.Sample] = []
        /// Seconds from this frame to the first on which the face is no longer followed, if that is among them.
        var trackEndsIn: Double?
    }

    init(id: Int = 0, fullFromStart: Bool = true) {
        self.id = id
        self.fullFromStart = fullFromStart
    }

    /// The fields and analysis for the frame at `time`.
    ///
    /// - Parameters:
    ///   - seen: this frame's eyes, their landmarks smoothed (`EyeLandmarkSmoother`).
    ///   - ahead: this face on the frames after this one, as far as the pipeline holds them.
    ///   - share: the face's width as a share of the widest face around this frame (1 for that face).
    mutating func update(seen: SeenEyes, ahead: Ahead, share: Float = 1, luma: LumaView, time: Double,
                         settings: CorrectionSettings) -> (fields: [EyeWarpField], analysis: FaceAnalysis) {
        let (landmarks, eyes, irises) = (seen.landmarks, seen.eyes, seen.irises)
        var ownIris: [(center: SIMD2<Float>, trust: Float)?] = [nil, nil]
        for i in 0..<2 {
            guard let iris = irises[i] else { continue }
            let trust = smoothstep(Self.irisTrust.lowerBound, Self.irisTrust.upperBound, iris.confidence)
            ownIris[i] = (irisFilters[i].filter(iris.center, at: time), trust)
        }
        let yaw = Self.headYawDegrees(landmarks.points)
        let gain = Self.horizontalGain(yaw: yawFilter.filter(yaw, at: time))

        // Gaze: both eyes move together, so average them, weighted by how sure each iris is and by the eye's
        // size: the nearer, wider eye of a turned head has the better-placed corner landmarks.
        var sum = SIMD2<Float>.zero, total: Float = 0, confidence: Float = 0
        let widest = eyes.map { $0?.width ?? 0 }.max() ?? 1
        for (eye, iris) in zip(eyes, irises) {
            guard let eye, let iris, eye.width >= Self.minimumEyeWidth else { continue }
            let relative = eye.width / widest
            let weight = iris.confidence * relative * relative
            sum += iris.center * weight
            total += weight
            confidence = max(confidence, iris.confidence)
        }
        // Seconds since the previous frame of this face (capped: a gap is not a reason to jump); nil at first.
        let dt = lastTime.map { Float(max(0, min(0.2, time - $0))) }
        lastTime = time
        let (openFactor, verticalFactor, blinking) = blinks.update(seen.sample(at: time), upcoming: ahead.samples, dt: dt)
        var gaze: SIMD2<Float>?
        var offLens = SIMD2<Float>.zero
        var target: Float = 0
        if total > 0.05 {
            let g = gazeFilter.filter(sum / total, at: time)
            recentH.append(g.x)
            if recentH.count > 3 { recentH.removeFirst() }
            if recentH.count == 3 {
                turns.append(abs(recentH[2] - 2 * recentH[1] + recentH[0]))
                if turns.count > Self.jitterFrames { turns.removeFirst() }
            }
            gaze = g
            // A pixel is a large share of a tiny eye: there the vertical estimate is mostly noise, so less of it is used.
            let verticalTrust = smoothstep(Self.verticalTrustWidths.lowerBound, Self.verticalTrustWidths.upperBound, widest)
            offLens = SIMD2(g.x, (g.y - Self.neutralV) * Self.verticalGain * verticalTrust)
            let eyeDegrees = asin(min(1, (offLens * offLens).sum().squareRoot() / Self.turnRadius)) * 180 / .pi
            target = Self.fade(Float(settings.noCorrectionBeyondDegrees) - eyeDegrees,
                               over: Float(settings.noCorrectionBeyondDegrees - settings.fullCorrectionBelowDegrees))
            target *= Self.fade(Float(settings.headTurnNoneBeyondDegrees) - abs(yaw),
                                over: Float(settings.headTurnNoneBeyondDegrees - settings.headTurnFullBelowDegrees))
            target *= openFactor
            target *= smoothstep(Self.irisTrust.lowerBound, Self.irisTrust.upperBound, confidence)
            target *= 1 - smoothstep(Self.noisyJitter.lowerBound, Self.noisyJitter.upperBound, Self.median(turns))
            // Someone in the background is left alone.
            let background = Float(settings.backgroundFaceShare)
            if background > 0 { target *= smoothstep(background * 0.8, background, share) }
            // Down to nothing on the last frame the face is seen on, from `exitSeconds` before it.
            if let end = ahead.trackEndsIn { target *= min(1, max(0, (Float(end) - (dt ?? 0)) / Self.exitSeconds)) }
        }
        weight = ramp(weight, toward: target, dt: dt)
        verticalWeight = ramp(verticalWeight, toward: verticalFactor, dt: dt)

        var fields: [EyeWarpField] = []
        if let gaze, weight > 0, settings.intensity > 0 {
            let below = Self.turnRadius * sin(Float(settings.targetBelowLensDegrees) * .pi / 180)
            let gains = SIMD2(gain, Self.verticalMoveGain)
            let shift = (SIMD2(0, below) - offLens * gains) * Float(settings.intensity) * weight * SIMD2(1, verticalWeight)
            let moved = zip(eyes, ownIris).compactMap { eye, own -> (eye: EyeGeometry, found: Float?, trust: Float)? in
                guard let eye, eye.width >= Self.minimumEyeWidth else { return nil }
                let trust = own.map { $0.trust * ScleraFill.sourceCheck(luma, eye: eye, iris: $0.center, toward: shift.x) } ?? 0
                return (eye, own?.center.x, trust)
            }
            // Both eyes turn together, so both irises move by the same number of pixels: the move is set in the
            // wider eye's widths, as the estimate mostly is, and each eye takes it in its own. A turned head narrows
            // the far eye only along its corner line, so sideways that eye takes more of its width: moved by the same
            // share of each eye's width, it moved 0.65 as many pixels as the nearer one on the sideways clip and kept
            // 0.60 of its offset by the gaze referee (0.44 now). Up or down both keep the smaller of what the fold
            // limit leaves each (limited separately, the sideways clip's irises ended up to 3.6 px apart in height);
            // sideways each keeps its own, so that a far iris against its corner does not hold the nearer one back.
            let make = { (pixels: SIMD2<Float>) in
                moved.map { EyeWarpField(eye: $0.eye, shift: pixels / $0.eye.width, iris: gaze.x, found: $0.found,
                                         trust: $0.trust, share: Float(settings.intensity), stretchGain: gain) }
            }
            let pixels = shift * widest
            fields = make(pixels)
            let kept = fields.map { abs($0.shift.y * $0.eye.width) }.min() ?? 0
            if kept < abs(pixels.y) * 0.99 { fields = make(SIMD2(pixels.x, pixels.y < 0 ? -kept : kept)) }
        }
        let analysis = FaceAnalysis(
            id: id,
            box: [landmarks.bounds.left, landmarks.bounds.top, landmarks.bounds.right, landmarks.bounds.bottom],
            eyeLandmarks: landmarks.points[36...47].map { [$0.x, $0.y] },
            irisCenters: zip(eyes, irises).map { eye, iris in
                guard let eye, let iris else { return nil }
                let p = eye.toImage(iris.center)
                return [p.x, p.y]
            },
            gazeOffset: gaze.map { [$0.x, $0.y] },
            headYawDegrees: yaw, gateWeight: weight, eyeOpenness: seen.openness,
            blinking: blinking, irisBand: seen.irisHeight)
        return (fields, analysis)
    }

    /// Rises over about 250 ms and falls over about 80 ms: a closing lid must stop the warp at once.
    /// A face's first frame takes its target at once if `fullFromStart`, and none of it otherwise.
    private func ramp(_ value: Float, toward target: Float, dt: Float?) -> Float {
        let dt = dt ?? (fullFromStart ? 1 : 0)
        return target > value ? min(target, value + 4 * dt) : max(target, value - 12 * dt)
    }

    /// Head yaw from where the nose tip sits between the jaw ends (0 frontal, + facing image right).
    static func headYawDegrees(_ p: [SIMD2<Float>]) -> Float {
        let left = p[0], right = p[16], nose = p[30]
        let span = ((right - left) * (right - left)).sum().squareRoot()
        guard span > 1 else { return 0 }
        let axis = (right - left) / span
        let ratio = ((nose - left) * axis).sum() / span * 2 - 1
        // The nose tip stands out about 0.6 half-face-widths while the jaw ends swing back: the ratio grows
        // about 1.7 times faster than sin(yaw) (calibrated on a turned-head fixture).
        return asin(max(-1, min(1, ratio / 1.7))) * 180 / .pi
    }

    /// 1 when `margin` ≥ `width`, 0 when `margin` ≤ 0, smooth in between.
    static func fade(_ margin: Float, over width: Float) -> Float {
        guard width > 0 else { return margin > 0 ? 1 : 0 }
        return smoothstep(0, width, margin)
    }

    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

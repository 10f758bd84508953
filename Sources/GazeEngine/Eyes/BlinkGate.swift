/// Keeps the correction off closed and closing eyes, and on lids held low by a lowered gaze.
///
/// Openness is judged against the eyes' usual opening, followed slowly, because people who look down at notes
/// keep their lids low for seconds and that is not a blink. The gate sees this face's openness on the frames
/// ahead (the pipeline holds frames back `lookAheadSeconds` before warping them), so it can tell the two apart
/// from the first lowered frame: lids that reopen within a blink's length are a blink, and the correction
/// fades out before they are half closed; lids that stay low are following the gaze, and keep it.
struct BlinkGate {
    /// One frame's openness: the less open eye's aspect ratio.
    struct Sample: Equatable {
        var time: Double
        var openness: Float
    }

    /// Eye aspect ratios below which an eye counts as shut whatever its usual opening.
    static let shutAspect: Float = 0.06
    static let openingAspect: Float = 0.10
    /// Openness relative to the usual opening between which a blink fades the correction out.
    static let blinkRatio: Float = 0.55
    static let openRatio: Float = 0.75
    /// A blink is over within about this many seconds (closing, shut and reopening). Lids held lower for longer,
    /// and still open at least `heldOpenAspect`, are following a lowered gaze, and the usual opening follows
    /// them over `lidFollowSeconds`. Eyes held nearly shut (a child looking down at a toy: openness 0.09–0.12,
    /// only lashes showing) are left alone.
    static let longestBlinkSeconds = 0.5
    static let lidFollowSeconds: Float = 0.5
    static let heldOpenAspect: Float = 0.15
    /// How early an upcoming blink starts taking the correction away: the weight falls to nothing over about
    /// 80 ms, so it is gone before the lids have closed past `blinkRatio`.
    static let anticipationSeconds = 0.1
    /// How far ahead the gate looks: far enough to see whether lids lowered within the anticipation reopen
    /// within a blink's length (and a frame or two more, so that the run is seen to outlast it).
    static let lookAheadSeconds = anticipationSeconds + longestBlinkSeconds + 0.05

    private var usualOpening: Float?
    /// When the current run of lowered frames began; nil while the lids are at their usual opening.
    private var lowSince: Double?

    /// The openness of a face: the less open eye's aspect ratio, 0 when an eye's landmarks are degenerate.
    static func openness(_ landmarks: FaceLandmarks) -> Float {
        [EyeGeometry(points: landmarks.leftEye), EyeGeometry(points: landmarks.rightEye)].map { $0?.aspectRatio ?? 0 }.min() ?? 0
    }

    /// The gate for the frame `now`, given this face's samples on the frames after it (in order, as far as they
    /// are known): 1 for open eyes, 0 for shut or blinking ones and just before a blink, smooth between; and
    /// whether the lids of `now` itself count as blinking. `dt` is the seconds since the previous frame (nil on
    /// the first).
    mutating func update(_ now: Sample, upcoming: [Sample], dt: Float?) -> (gate: Float, blinking: Bool) {
        let usual = usualOpening ?? now.openness
        let samples = [now] + upcoming
        let isLow = samples.map { $0.openness / max(usual, 0.01) < Self.openRatio }
        if !isLow[0] { lowSince = nil } else if lowSince == nil { lowSince = now.time }

        // The lowest gate of this frame and the next `anticipationSeconds`. A lowered frame is a blink unless
        // its run of lowered frames (from where it began, maybe before this frame, to where it is seen to end)
        // lasts longer than a blink; a run that reaches past the known frames counts only as long as it is seen.
        var gate: Float = 1, heldNow = false
        var i = 0
        while i < samples.count, samples[i].time <= now.time + Self.anticipationSeconds {
            guard isLow[i] else {
                gate = min(gate, Self.instant(samples[i].openness, usual: usual))
                i += 1
                continue
            }
            var end = i
            while end + 1 < samples.count, isLow[end + 1] { end += 1 }
            let start = i == 0 ? lowSince ?? now.time : samples[i].time
            let long = samples[end].time - start > Self.longestBlinkSeconds
            for j in i...end where samples[j].time <= now.time + Self.anticipationSeconds {
                let held = long && samples[j].openness >= Self.heldOpenAspect
                if j == 0 { heldNow = held }
                gate = min(gate, held ? Self.shut(samples[j].openness) : Self.instant(samples[j].openness, usual: usual))
            }
            i = end + 1
        }

        // The usual opening follows open eyes over about two seconds, held lids faster, and blinks not at all.
        let nowGate = Self.instant(now.openness, usual: usual)
        let follow: Float? = heldNow ? Self.lidFollowSeconds : nowGate > 0.9 ? 2 : nil
        usualOpening = follow.map { usual + (now.openness - usual) * min(1, (dt ?? 0) / $0) } ?? usual
        return (gate, !heldNow && nowGate < 0.5)
    }

    /// The gate from one frame's openness alone.
    private static func instant(_ openness: Float, usual: Float) -> Float {
        smoothstep(blinkRatio, openRatio, openness / max(usual, 0.01)) * shut(openness)
    }

    /// 0 for an eye shut whatever its usual opening, 1 for one open at least `openingAspect`.
    private static func shut(_ openness: Float) -> Float { smoothstep(shutAspect, openingAspect, openness) }
}

/// Keeps the correction off closed and closing eyes, and on lids held low by a lowered gaze.
///
/// Openness is judged against the eyes' usual opening, followed slowly, because people who look down at notes
/// keep their lids low for seconds and that is not a blink. The gate sees this face's openness on the frames
/// ahead (the pipeline holds frames back `lookAheadSeconds` before warping them), so it can tell the two apart
/// from the first lowered frame: lids that reopen within a blink's length are a blink, and the correction
/// fades out before they are half closed; lids that stay low are following the gaze, and keep it.
struct BlinkGate {
    /// One frame's openness: the less open eye's aspect ratio by its landmarks, and the dark band over the
    /// irises by their pixels (`SeenEyes.irisHeight`; nil where no iris was found).
    struct Sample: Equatable {
        var time: Double
        var openness: Float
        var irisHeight: Float?
    }

    /// Eye aspect ratios below which an eye counts as shut whatever its usual opening.
    static let shutAspect: Float = 0.06
    static let openingAspect: Float = 0.10
    /// Openness relative to the usual opening between which a blink fades the correction out.
    static let blinkRatio: Float = 0.55
    static let openRatio: Float = 0.75
    /// The same for the dark band over the irises (`SeenEyes.irisHeight`) against its usual height. dlib's lid
    /// landmarks miss blinks behind glasses: on the glasses clip they read an aspect ratio of 0.20–0.35 on frames
    /// where the gaze referee reads the eyes shut (0.03–0.05), and the warp bent the closed lids, while the band
    /// fell from its usual 0.25–0.30 to the lashes' 0.10–0.15; with it, shut frames still warped at a weight
    /// above 0.2 went from 17 to 5. Lower than the lids' ratios: the band moves by whole rows of the iris
    /// locator's grid, and lids lowered over a downward glance narrow it too (the frontal clip's quick glance
    /// down keeps its full weight; two clips made from it ease to 0.6–0.75 for a sixth of a second).
    static let bandClosedRatio: Float = 0.4
    static let bandOpenRatio: Float = 0.6
    /// The band's share of its usual height over which the vertical move fades in, where the band is not held low.
    /// Between `bandClosedRatio` and about 0.6 the band cannot tell lids closing behind glasses from lids lowered for
    /// a quick glance down (the glasses clip's shut frames read 0.54 of their usual band, a glance down made by the
    /// engine 0.44–0.59), so the correction there is only partly taken away; what it kept was mostly the raise,
    /// since lids closing over a lowered gaze read as looking down, and at 100 % crop that raise bent the closed
    /// lids into a squint (`v05` frames 142–143 and 363–365). The vertical move alone is taken away sooner: a quick
    /// glance down then keeps its sideways correction and shows its lids lowered, as they were. Those closed lids
    /// now stay straight; over 386 looking-down frames of eleven clips, paired frame by frame, the vertical offset
    /// left moved by +0.003 ± 0.003 of the input's (the glasses clip's 44 by +0.028).
    static let bandVerticalRatio: ClosedRange<Float> = 0.5...0.65
    /// The least usual opening a track starts from. A face first seen with its eyes nearly shut for longer than
    /// the frames ahead would otherwise take that for their usual opening, and be warped as open: the girl of the
    /// two-people clip starts looking down with only her lashes showing (0.08–0.12) and was warped at weights up to
    /// 0.74, bending her lashes. Open eyes read 0.26–0.36 (each track's median on the clips measured); narrow open
    /// eyes, under this, still count as lids held low and keep the correction, down to `heldOpenAspect`. The band
    /// over the irises has none: a run of narrow bands longer than a blink counts as lids held low whatever the
    /// band's usual height, so one would change nothing there.
    static let leastUsualAspect: Float = 0.2
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

    private var lids = Measure()
    private var band = Measure()

    /// One measure of the eyes' opening followed against its usual value: the lids by their landmarks, or the band
    /// over the irises by their pixels. Each tells blinks from held lids on its own, so that one cannot make the
    /// other's blink look long.
    private struct Measure {
        var usual: Float?
        /// When the current run of lowered frames began; nil while at the usual value.
        var lowSince: Double?

        /// The lowest gate, by this measure, of the first of `values` (this frame's; nil where unmeasured) and of
        /// those within `anticipationSeconds` after it, whether this frame's lowering is held rather than a blink,
        /// and the lowest ratio to the usual value among those frames that are not held. A lowered frame is part of
        /// a blink unless its run of lowered frames (from where it began, maybe before this frame, to where it is
        /// seen to end) lasts longer than a blink; a run that reaches past the known frames counts only as long as
        /// it is seen. `instant` is a frame's gate from its ratio to the usual value, `held` a held frame's gate (nil
        /// where the frame cannot count as held), and the usual value follows this frame over `follow(gate, held)`
        /// seconds (nil: not at all). It starts at no less than `least`.
        mutating func gate(_ values: [Float?], at times: [Double], dt: Float?, lowBelow ratio: Float, least: Float = 0,
                           instant: (Int, Float) -> Float, held: (Int) -> Float?,
                           follow: (Float, Bool) -> Float?) -> (gate: Float, heldNow: Bool, now: Float, lowest: Float) {
            // A track's first frame may be odd (mid-blink, a hand leaving): its usual value starts at the median of
            // what is seen ahead, not at that frame.
            guard let usual = self.usual ?? Self.typical(values).map({ max($0, least) }) else { return (1, false, 1, 1) }
            let ratios = values.map { $0.map { $0 / max(usual, 0.01) } }
            let isLow = ratios.map { ($0 ?? 1) < ratio }
            if !isLow[0] { lowSince = nil } else if lowSince == nil { lowSince = times[0] }
            var gate: Float = 1, heldNow = false, lowest: Float = 1
            var i = 0
            while i < values.count, times[i] <= times[0] + anticipationSeconds {
                guard isLow[i] else {
                    gate = min(gate, instant(i, ratios[i] ?? 1))
                    lowest = min(lowest, ratios[i] ?? 1)
                    i += 1
                    continue
                }
                var end = i
                while end + 1 < values.count, isLow[end + 1] { end += 1 }
                let start = i == 0 ? lowSince ?? times[0] : times[i]
                let long = times[end] - start > longestBlinkSeconds
                for j in i...end where times[j] <= times[0] + anticipationSeconds {
                    let heldGate = long ? held(j) : nil
                    if j == 0 { heldNow = heldGate != nil }
                    gate = min(gate, heldGate ?? instant(j, ratios[j] ?? 1))
                    if heldGate == nil { lowest = min(lowest, ratios[j] ?? 1) }
                }
                i = end + 1
            }
            let now = instant(0, ratios[0] ?? 1)
            let step = follow(now, heldNow).map { min(1, (dt ?? 0) / $0) } ?? 0
            self.usual = values[0].map { usual + ($0 - usual) * step } ?? usual
            return (gate, heldNow, now, lowest)
        }

        private static func typical(_ values: [Float?]) -> Float? {
            let seen = values.compactMap { $0 }
            return seen.isEmpty ? nil : GazeCorrector.median(seen)
        }
    }

    /// The gate for the frame `now`, given this face's samples on the frames after it (in order, as far as they
    /// are known): 1 for open eyes, 0 for shut or blinking ones and just before a blink, smooth between; the share
    /// of the vertical move to keep besides (`bandVerticalRatio`); and whether the lids of `now` itself count as
    /// blinking. `dt` is the seconds since the previous frame (nil on the first).
    mutating func update(_ now: Sample, upcoming: [Sample], dt: Float?) -> (gate: Float, vertical: Float, blinking: Bool) {
        let samples = [now] + upcoming
        let times = samples.map(\.time)
        // The usual value follows open eyes over about two seconds, held lids faster, and blinks not at all.
        let follow = { (gate: Float, held: Bool) -> Float? in held ? Self.lidFollowSeconds : gate > 0.9 ? 2 : nil }
        // Lids held low but open are following the gaze; eyes held nearly shut are not.
        let byLids = lids.gate(samples.map(\.openness), at: times, dt: dt, lowBelow: Self.openRatio,
                               least: Self.leastUsualAspect,
                               instant: { smoothstep(Self.blinkRatio, Self.openRatio, $1) * Self.shut(samples[$0].openness) },
                               held: { samples[$0].openness >= Self.heldOpenAspect ? Self.shut(samples[$0].openness) : nil },
                               follow: follow)
        // The band alone never takes the correction from lids held low: the landmarks judge those.
        let byBand = band.gate(samples.map(\.irisHeight), at: times, dt: dt, lowBelow: Self.bandOpenRatio,
                               instant: { smoothstep(Self.bandClosedRatio, Self.bandOpenRatio, $1) }, held: { _ in 1 },
                               follow: follow)
        let blinking = [byLids, byBand].contains { !$0.heldNow && $0.now < 0.5 }
        let vertical = smoothstep(Self.bandVerticalRatio.lowerBound, Self.bandVerticalRatio.upperBound, byBand.lowest)
        return (min(byLids.gate, byBand.gate), vertical, blinking)
    }

    /// 0 for an eye shut whatever its usual opening, 1 for one open at least `openingAspect`.
    private static func shut(_ openness: Float) -> Float { smoothstep(shutAspect, openingAspect, openness) }
}

import Testing

@testable import GazeEngine

/// The One-Euro filter that smooths the gaze estimate, each iris and the head's yaw: steady while the signal is
/// still, quick to follow when it moves, and timed by timestamps rather than frame counts.
@Suite("One-Euro filter")
struct OneEuroFilterTests {
    /// A fixation: 0.1 with a frame-to-frame jitter of ±0.02, as the gaze estimate shows on a steady face.
    static func jittered(_ frame: Int) -> Float { 0.1 + (frame % 2 == 0 ? 0.02 : -0.02) }

    @Test("jitter around a still value is damped, and the value itself comes through")
    func stillSignal() {
        var filter = OneEuroFilter(minCutoff: 1, beta: 2)
        var outputs: [Float] = []
        for frame in 0..<90 { outputs.append(filter.filter(SIMD2(Self.jittered(frame), 0), at: Double(frame) / 30).x) }
        let settled = outputs[60...]
        let swing = (settled.max() ?? 0) - (settled.min() ?? 0)
        #expect(swing < 0.04 * 0.25, "output swings \(swing) for an input swinging 0.04")
        let mean = settled.reduce(0, +) / Float(settled.count)
        #expect(abs(mean - 0.1) < 0.005, "settles at \(mean)")
    }

    @Test("a fast move is followed within a few frames: the cut-off rises with its speed")
    func followsAGlance() {
        var adaptive = OneEuroFilter(minCutoff: 1, beta: 2), fixed = OneEuroFilter(minCutoff: 1, beta: 0)
        var a: Float = 0, f: Float = 0
        for frame in 0..<30 {
            // Still at 0 for half a second, then a glance to 0.15 eye widths, held.
            let x: Float = frame < 15 ? 0 : 0.15
            a = adaptive.filter(SIMD2(x, 0), at: Double(frame) / 30).x
            f = fixed.filter(SIMD2(x, 0), at: Double(frame) / 30).x
            if frame == 19 {
                #expect(a > 0.15 * 0.7, "five frames after the glance the output is at \(a)")
                #expect(a > f + 0.03, "with the speed term \(a), without \(f)")
            }
        }
        #expect(abs(a - 0.15) < 0.01)
    }

    @Test("smoothing follows timestamps: the same move sampled at 15 and at 60 fps comes out alike")
    func frameRateIndependent() {
        func run(fps: Double) -> [Double: Float] {
            var filter = OneEuroFilter(minCutoff: 1, beta: 2)
            var out: [Double: Float] = [:]
            for frame in 0..<Int(fps) {
                let time = Double(frame) / fps
                // A smooth sideways glance over the first half second.
                let x = Float(0.15 * min(1, time / 0.5))
                let y = filter.filter(SIMD2(x, 0), at: time).x
                if frame % Int(fps / 15) == 0 { out[(time * 15).rounded()] = y }
            }
            return out
        }
        let slow = run(fps: 15), fast = run(fps: 60)
        for (tick, value) in slow {
            let other = fast[tick] ?? .nan
            #expect(abs(value - other) < 0.01, "at \(tick / 15) s: \(value) at 15 fps, \(other) at 60 fps")
        }
    }

    @Test("a single signal is filtered as the first lane of a pair whose second lane stays 0")
    func scalar() {
        var single = OneEuroFilter(minCutoff: 1, beta: 0.05), pair = OneEuroFilter(minCutoff: 1, beta: 0.05)
        for frame in 0..<40 {
            let yaw = Float(frame % 7) * 3 - 9
            let time = Double(frame) / 25
            #expect(single.filter(yaw, at: time) == pair.filter(SIMD2(yaw, 0), at: time).x)
        }
    }
}

import Foundation

/// The One-Euro filter (Casiez, Roussel & Vogel, CHI 2012): a low-pass whose cut-off rises with speed, so
/// still eyes stop jittering while real movements are followed without lag.
struct OneEuroFilter {
    /// Cut-off in Hz when the signal is still.
    var minCutoff: Float
    /// How much the cut-off rises per unit of speed (signal units per second).
    var beta: Float
    var derivativeCutoff: Float = 1

    private var value: SIMD2<Float>?
    private var derivative = SIMD2<Float>.zero
    private var lastTime: Double?

    init(minCutoff: Float, beta: Float) {
        self.minCutoff = minCutoff
        self.beta = beta
    }

    /// Filters `sample` taken at `time` seconds (frame timestamps, so variable frame rate is handled).
    mutating func filter(_ sample: SIMD2<Float>, at time: Double) -> SIMD2<Float> {
        guard let previous = value, let last = lastTime, time > last else {
            value = sample
            lastTime = time
            return sample
        }
        let dt = Float(time - last)
        let rawDerivative = (sample - previous) / dt
        derivative += (rawDerivative - derivative) * Self.alpha(cutoff: derivativeCutoff, dt: dt)
        let speed = (derivative * derivative).sum().squareRoot()
        let smoothed = previous + (sample - previous) * Self.alpha(cutoff: minCutoff + beta * speed, dt: dt)
        value = smoothed
        lastTime = time
        return smoothed
    }

    /// Filters a single signal (the head's yaw): it rides in the first lane with the second held at 0, so the speed
    /// the cut-off follows is its own.
    mutating func filter(_ sample: Float, at time: Double) -> Float {
        filter(SIMD2(sample, 0), at: time).x
    }

    private static func alpha(cutoff: Float, dt: Float) -> Float {
        let tau = 1 / (2 * Float.pi * cutoff)
        return 1 / (1 + tau / dt)
    }
}

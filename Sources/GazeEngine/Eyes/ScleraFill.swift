/// What fills the side of the eye an iris leaves when it slides far.
///
/// Sliding the iris of a sideways glance to the centre stretches what lay between it and the corner —
/// often a sliver of sclera and the pink corner tissue — to two or three times its width, and it reads as
/// skin where white should be. A real eye looking ahead shows sclera there much like the sclera on the
/// iris's other side, so that is what the field blends in: the output pixel a distance `d` from the moved
/// iris's centre reads the input at the same distance from the input iris on the opposite side, with the
/// lid opening's height matched. The blend grows with the stretch the full correction would cause (none for
/// the small moves of a nearly centred gaze, so a steady look is not repainted; the same at any intensity),
/// and fades out at the iris rim, at the corner and past the lids, where the stretched picture is left as it
/// was.
struct ScleraFill {
    /// Output `u` on the vacated side reads input `mirror − u`.
    var mirror: Float
    /// Where the iris lands (eye widths along the corner line), and +1 or −1: the side it leaves.
    var target: Float
    var side: Float
    /// 0 … 1, from how much the full correction would stretch the vacated side.
    var strength: Float

    static let none = ScleraFill(iris: 0, shift: 0, strength: 0)

    /// Stretch (as the local scale of the backward map, 1 = none) over which the fill blends in: none up to
    /// 1.7× stretch, full at 3.3×, the most the fold limit allows. Starting at 1.25× also repainted the
    /// frontal clip's modest glances, and the referee read its blinks less faithfully.
    static let stretchRange: ClosedRange<Float> = 0.3...0.6
    /// Distance from the moved iris's centre over which the fill takes over (eye widths): the iris's radius
    /// is about 0.2, so its rim comes from both sides at once and no seam shows.
    static let rim: ClosedRange<Float> = 0.17...0.25

    /// - Parameters: `iris` where the iris sits and `shift` its move along the corner line (eye widths);
    ///   `strength` how much to fill (see `strength(shift:core:)`, times how sure the iris's place is).
    init(iris: Float, shift: Float, strength: Float) {
        target = iris + shift
        mirror = iris + target
        side = shift > 0 ? -1 : 1
        self.strength = strength
    }

    /// How clearly what lies beyond the iris on the side it moves toward — what the fill mirrors — is sclera:
    /// 1 when it is well brighter than the iris, 0 when it is not. An iris found in the wrong place would
    /// have the fill copy iris into the white; then the eye is only stretched, as it was before the fill.
    static func sourceCheck(_ luma: LumaView, eye: EyeGeometry, iris: SIMD2<Float>, toward move: Float) -> Float {
        let side: Float = move > 0 ? 1 : -1
        let level = { (u: Float) in bilinear(luma, eye.toImage(SIMD2(max(-0.45, min(0.45, u)), iris.y))) }
        // The middle of three, so a highlight on the pupil does not pass for a bright iris.
        let irisLevel = [iris.x - 0.08, iris.x, iris.x + 0.08].map(level).sorted()[1]
        let beside = [0.26, 0.31, 0.36].map { level(iris.x + side * $0) }.reduce(0, +) / 3
        return smoothstep(sourceContrast.lowerBound, sourceContrast.upperBound, beside - irisLevel)
    }

    /// Luma levels by which the sclera must outshine the iris. Typical: 60–80 in daylight webcam clips, 18–29
    /// for the middle half of an underlit one, ≤ 0 when the found place is wrong.
    static let sourceContrast: ClosedRange<Float> = 4...16

    /// How much fill a move needs: the vacated side's weight falls from 1 at the core to 0 at the corner,
    /// so the backward map there scales by 1 − |shift| / (core to corner).
    static func strength(shift: Float, core: ClosedRange<Float>) -> Float {
        let gap = shift > 0 ? core.lowerBound + 0.5 : 0.5 - core.upperBound
        let scale = gap > 0 ? 1 - abs(shift) / gap : 1
        return 1 - smoothstep(stretchRange.lowerBound, stretchRange.upperBound, scale)
    }
}

extension EyeWarpField {
    /// Where the sclera fill reads for output points `(u, n)` (eye widths), and how much of it to blend in.
    /// - Parameter vertical: the vertical weights at those points, so the fill follows the vertical move.
    @inline(__always)
    func mirrored<V: SIMD>(u: V, n: V, vertical: V) -> (u: V, n: V, blend: V) where V.Scalar == Float {
        guard fill.strength > 0 else { return (u, n, V(repeating: 0)) }
        let mu = V(repeating: fill.mirror) - u
        var blend = smoothstep(ScleraFill.rim.lowerBound, ScleraFill.rim.upperBound, (u - fill.target) * fill.side)
        // Not at the corners: the vacated one keeps its own tissue, and the mirrored one is not sclera.
        blend *= smoothstep(0.04, 0.2, 0.5 - magnitude(u)) * smoothstep(0.04, 0.12, 0.5 - magnitude(mu))
        // The lid opening, as a parabola through the corners that meets the measured lid height at ±1/6 of
        // the width (where the lid landmarks sit), at the output point and at the mirrored one.
        let opening = V(repeating: bottom).replacing(with: -top, where: n .< 0)
        let here = pointwiseMax(V(repeating: 0.01), Self.lidHeight(opening, at: u))
        let there = Self.lidHeight(opening, at: mu)
        blend *= 1 - smoothstep(1, 1.5, magnitude(n) / here)
        let (up, down) = across
        let source = (n - vertical * shift.y) * pointwiseMin(V(repeating: 2), there / here)
        let mn = pointwiseMin(V(repeating: down), pointwiseMax(V(repeating: up), source))
        return (mu, mn, blend * fill.strength)
    }

    @inline(__always)
    private static func lidHeight<V: SIMD>(_ opening: V, at u: V) -> V where V.Scalar == Float {
        opening * 1.125 * pointwiseMax(V(repeating: 0), 1 - 4 * u * u)
    }
}

/// 0 below `edge0`, 1 above `edge1`, smooth in between (lane by lane).
@inline(__always)
func smoothstep<V: SIMD>(_ edge0: Float, _ edge1: Float, _ x: V) -> V where V.Scalar == Float {
    let t = pointwiseMin(V(repeating: 1), pointwiseMax(V(repeating: 0), (x - edge0) / (edge1 - edge0)))
    return t * t * (3 - 2 * t)
}

func smoothstep(_ edge0: Float, _ edge1: Float, _ x: Float) -> Float {
    smoothstep(edge0, edge1, SIMD2(repeating: x))[0]
}

@inline(__always)
func magnitude<V: SIMD>(_ x: V) -> V where V.Scalar == Float {
    pointwiseMax(x, -x)
}

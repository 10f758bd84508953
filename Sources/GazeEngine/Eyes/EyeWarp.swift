/// A smooth displacement field over one eye that slides the iris between eye corners that stay put.
///
/// Backward mapping in eye coordinates (`u` along the corner line, `n` across it, eye widths): the output
/// pixel at `e` takes the input at `e − (wH(e)·shift.u, wV(e)·shift.n)`. Both weights are 1 over the iris's
/// target place and fall linearly to 0 at the two corners, so the corners — against which a viewer reads
/// where someone looks — never move; the sclera on either side stretches or compresses instead (it has no
/// texture to betray that). Across the eye:
/// - the horizontal shift covers the whole lid opening and fades just past the lids, so lashes over the
///   iris move with it and nothing shears along the lid line;
/// - the vertical shift carries the upper lid with the iris, fading over the lid skin above it, as real
///   lids follow the gaze: a raised gaze is not left half under a low lid. Below, it fades under the lower lid.
///
/// A large sideways move leaves little sclera to stretch on the side the iris leaves; there the field blends
/// in a mirror image of the sclera on the iris's other side (`ScleraFill`).
struct EyeWarpField {
    var eye: EyeGeometry
    /// Where the eye content moves, in eye widths along (`x`) and across (`y`) the corner line.
    var shift: SIMD2<Float>
    /// Along the corner line: where the weights start to fall toward the left and the right corner.
    var coreLeft: Float
    var coreRight: Float
    /// Across: the upper (negative) and lower lid, where the weights start to fall.
    var top: Float
    var bottom: Float
    /// How the side the iris leaves is filled, set once `shift` is final.
    var fill = ScleraFill.none

    /// Half the iris's width in eye widths (a little more, so its rim moves whole).
    static let irisHalfWidth: Float = 0.22
    /// The compressed or stretched sclera between the iris and a corner is never narrower than this.
    static let minimumGap: Float = 0.15
    /// Fades beyond the lids, in eye widths: horizontal above/below, vertical above (lid skin)/below.
    static let fadeAbove: Float = 0.12
    static let fadeBelow: Float = 0.10
    static let liftAbove: Float = 0.30
    /// Raising a gaze stretches the skin under the lower lid over this fade, and the fold limit caps the raise at
    /// 0.7 of it: at 0.15 (a cap of 0.1 eye widths, about 11°) it bound on every clip looking down more than
    /// slightly. At 0.25, with the lids carried whole (`carried`), the gaze referee reads 0.73 of a 16° drop
    /// raised and 0.51 of a 22° one, against 0.46 and 0.31 before.
    static let liftBelow: Float = 0.25
    /// The mapping may compress a region to no less than this share of its size (no fold, no smear).
    static let minimumJacobian: Float = 0.3

    /// - Parameters:
    ///   - shift: the move in eye widths (x along the corner line toward image right, y toward image bottom).
    ///   - iris: where the iris sits now along the corner line, in eye widths (the gaze of both eyes).
    ///   - found: where this eye's own iris sits, if it was found. Moves large enough to need the sclera
    ///     fill are centred on it (on a turned head the far eye's iris sits elsewhere in its own frame than
    ///     the shared estimate says, and a fill about the wrong place would copy iris into the sclera);
    ///     smaller ones keep the steadier shared estimate. No fill without it.
    ///   - trust: how sure that find is, 0 … 1; the fill is used that much.
    ///   - share: the part of the full correction `shift` is (the caller's intensity, 0 … 1]. Whether a move
    ///     needs the fill is judged on the full move, so a lower intensity moves the iris less but renders
    ///     the side it leaves the same way (judged on the part alone, half a sideways correction got none,
    ///     and the gaze referee registered only 0.44 of what the full one achieved).
    ///   - stretchGain: how much `shift.x` was scaled up because a stretched move reads as less than itself
    ///     (`GazeCorrector.horizontalGain(yaw:)`). Where the fill replaces the stretch the move reads as itself, so
    ///     that much of the gain is taken back: kept, the nearer eye of the sideways clip's glance ended 0.04
    ///     eye widths past the centre by the gaze referee, and the frontal clip's glance overshot too.
    init(eye: EyeGeometry, shift: SIMD2<Float>, iris: Float, found: Float? = nil, trust: Float = 1, share: Float = 1,
         stretchGain: Float = 1) {
        self.eye = eye
        let limit = 0.5 - Self.minimumGap - Self.irisHalfWidth
        let core = { (at: Float, move: Float) in
            let target = max(-limit, min(limit, at + move))
            return target - Self.irisHalfWidth...target + Self.irisHalfWidth
        }
        let toFull = 1 / max(share, 0.01)
        var centre = iris, move = shift
        if let found {
            let filled = { (x: Float) in ScleraFill.strength(shift: x * toFull, core: core(found, x * toFull)) * trust }
            move.x *= 1 - (1 - 1 / max(stretchGain, 1)) * filled(shift.x)
            centre += (found - iris) * filled(move.x)
        }
        let placed = core(centre, move.x)
        (coreLeft, coreRight) = (placed.lowerBound, placed.upperBound)
        top = -max(eye.openingUp, 0.05)
        bottom = max(eye.openingDown, 0.05)
        self.shift = move
        limitFolding()
        if let found {
            // What the full move would stretch, less whatever the fold limit took off this one.
            let strength = ScleraFill.strength(shift: self.shift.x * toFull, core: core(centre, move.x * toFull))
            fill = ScleraFill(iris: found, shift: self.shift.x, strength: strength * trust)
        }
    }

    /// Shrinks `shift` until the mapping's Jacobian determinant stays above `minimumJacobian` on a grid over
    /// the field: no fold, no smear, however the two moves combine. The sideways move is limited on its own
    /// first: when its stretch alone passes the limit (an iris against a corner, as the far eye's of a turned
    /// head), giving up the vertical move does not mend it. Limited together, with the vertical giving way
    /// first, both eyes kept under 30 % of their vertical move on 60 of the sideways clip's 78 frames that
    /// asked for one (20 now). The vertical then gives way to what is left: it is the less certain move, and
    /// a fold it causes should not cost the horizontal correction.
    private mutating func limitFolding() {
        let vertical = shift.y
        shift.y = 0
        shrink { $0.x *= 0.9 }
        guard vertical != 0 else { return }  // the sideways move alone has just passed
        shift.y = vertical
        shrink { $0.y = abs($0.y) > 0.005 ? $0.y * 0.85 : 0 }
    }

    /// Applies `step` to the move until the field passes the fold check; past 40 steps, no move at all.
    private mutating func shrink(_ step: (inout SIMD2<Float>) -> Void) {
        for _ in 0..<40 {
            if worstDeterminant() >= Self.minimumJacobian { return }
            step(&shift)
        }
        if worstDeterminant() < Self.minimumJacobian { shift = .zero }
    }

    /// The smallest determinant of the backward map's Jacobian on a grid over the field (finite differences of
    /// the weights); below 1 the output is a stretch of the input, at 0 a smear, below 0 a fold.
    private func worstDeterminant() -> Float {
        let h: Float = 0.01
        let us = (0...20).map { SIMD8<Float>(repeating: -0.5 + Float($0) * 0.05) + SIMD8(0, h, 0, 0, 0, 0, 0, 0) }
        let (up, down) = across
        var worst: Float = 1
        for u in us {
            for step in 0...16 {
                // Lanes: the point, a step along u, a step along n.
                let n = up + (down - up) * Float(step) / 16
                let (wh, wv) = weights(u: u, n: SIMD8(n, n, n + h, n, n, n, n, n))
                let dhu = (wh[1] - wh[0]) / h, dhn = (wh[2] - wh[0]) / h
                let dvu = (wv[1] - wv[0]) / h, dvn = (wv[2] - wv[0]) / h
                let det = (1 - shift.x * dhu) * (1 - shift.y * dvn) - shift.x * dhn * shift.y * dvu
                worst = min(worst, det)
            }
        }
        return worst
    }

    /// The two weights at eye coordinates `u`, `n`, eight (or any number of) lanes at a time.
    @inline(__always)
    func weights<V: SIMD>(u: V, n: V) -> (horizontal: V, vertical: V) where V.Scalar == Float {
        let one = V(repeating: 1), zero = V(repeating: 0)
        let left = (u + 0.5) / (coreLeft + 0.5), right = (0.5 - u) / (0.5 - coreRight)
        let along = pointwiseMax(zero, pointwiseMin(one, pointwiseMin(left, right)))
        let (up, down) = carried
        let above = (n - (up - Self.fadeAbove)) / Self.fadeAbove
        let below = ((down + Self.fadeBelow) - n) / Self.fadeBelow
        let acrossH = pointwiseMax(zero, pointwiseMin(one, pointwiseMin(above, below)))
        let lifted = (n - (up - Self.liftAbove)) / Self.liftAbove
        let lowered = ((down + Self.liftBelow) - n) / Self.liftBelow
        let acrossV = pointwiseMax(zero, pointwiseMin(one, pointwiseMin(lifted, lowered)))
        return (along * acrossH, along * acrossV)
    }

    /// The band across the eye both weights hold at full strength: the lid opening where it is and where the
    /// vertical move takes it. The weights are read where a pixel lands, so a band ending at the lids where they
    /// were left a raised upper lid in the fade: it rose 1 / (1 + raise / `liftAbove`) of the iris's raise (two
    /// thirds of a 16° one), the iris went further under it, and the top of the iris missed the sideways move.
    var carried: (up: Float, down: Float) {
        (top + min(0, shift.y), bottom + max(0, shift.y))
    }

    /// Across the eye, where both weights are zero beyond (eye widths; along it, the corners bound them).
    var across: (up: Float, down: Float) {
        let (up, down) = carried
        return (up - max(Self.fadeAbove, Self.liftAbove), down + max(Self.fadeBelow, Self.liftBelow))
    }

    /// The luma-pixel rectangle outside which the field is zero: [x0, x1) × [y0, y1), before clipping.
    var bounds: (x0: Float, y0: Float, x1: Float, y1: Float) {
        var lo = SIMD2<Float>(repeating: .infinity), hi = SIMD2<Float>(repeating: -.infinity)
        let (up, down) = across
        for corner in [SIMD2<Float>(-0.5, up), SIMD2(0.5, up), SIMD2(-0.5, down), SIMD2(0.5, down)] {
            let p = eye.toImage(corner)
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        return (lo.x.rounded(.down) - 1, lo.y.rounded(.down) - 1, hi.x.rounded(.up) + 2, hi.y.rounded(.up) + 2)
    }

    /// The largest move of any pixel, in luma pixels.
    var reach: Float { max(abs(shift.x), abs(shift.y)) * eye.width }
}

/// Applies `EyeWarpField`s to 8-bit planes in place. Owns a scratch copy of the source region, reused.
final class EyeWarper {
    /// How a row is computed: `simd` in production; `scalar` is the reference the SIMD kernel is tested against.
    enum Kernel {
        case simd, scalar
    }

    private var scratch: [UInt8] = []

    /// Warps `plane`, whose pixels are `scale` times the luma plane's (1 for Y, 0.5 for 4:2:0 chroma).
    func apply(_ field: EyeWarpField, to plane: Plane, scale: Float, kernel: Kernel = .simd) {
        let b = field.bounds
        let x0 = max(0, Int((b.x0 * scale).rounded(.down))), y0 = max(0, Int((b.y0 * scale).rounded(.down)))
        let x1 = min(plane.width, Int((b.x1 * scale).rounded(.up))), y1 = min(plane.height, Int((b.y1 * scale).rounded(.up)))
        guard x1 > x0, y1 > y0 else { return }
        // Sampling reads at most the field's reach beyond the written box; copy that much so reads see the input only.
        let reach = Int((field.reach * scale).rounded(.up)) + 2
        let sx0 = max(0, x0 - reach), sy0 = max(0, y0 - reach)
        let sx1 = min(plane.width, x1 + reach), sy1 = min(plane.height, y1 + reach)
        let sw = sx1 - sx0, sh = sy1 - sy0
        if scratch.count < sw * sh { scratch = [UInt8](repeating: 0, count: sw * sh) }
        scratch.withUnsafeMutableBufferPointer { buffer in
            // Safe: buffer holds sw*sh bytes; rows sy0..<sy1, columns sx0..<sx1 lie inside the plane.
            guard let source = buffer.baseAddress else { return }
            for y in sy0..<sy1 {
                (source + (y - sy0) * sw).update(from: plane.base + y * plane.stride + sx0, count: sw)
            }
            let row = RowWarp(field: field, source: LumaView(base: UnsafePointer(source), width: sw, height: sh, stride: sw),
                              origin: SIMD2(Float(sx0), Float(sy0)), scale: scale)
            for y in y0..<y1 {
                // Safe: y is inside the plane and x0..<x1 inside its width.
                switch kernel {
                case .simd: row.simd(plane.base + y * plane.stride, y: y, from: x0, to: x1)
                case .scalar: row.scalar(plane.base + y * plane.stride, y: y, from: x0, to: x1)
                }
            }
        }
    }
}

/// One field applied along rows of a plane, reading from an untouched copy of the region.
private struct RowWarp {
    var field: EyeWarpField
    var source: LumaView
    var origin: SIMD2<Float>
    var toLuma: Float
    /// The full horizontal and vertical moves in this plane's pixels; each is scaled by its weight.
    var moveAlong: SIMD2<Float>
    var moveAcross: SIMD2<Float>

    init(field: EyeWarpField, source: LumaView, origin: SIMD2<Float>, scale: Float) {
        self.field = field
        self.source = source
        self.origin = origin
        toLuma = 1 / scale
        let pixels = field.eye.width * scale
        moveAlong = field.eye.axisU * field.shift.x * pixels
        moveAcross = field.eye.axisN * field.shift.y * pixels
    }

    /// Eye coordinates → this plane's pixels, relative to the source copy.
    @inline(__always)
    func planePosition<V: SIMD>(u: V, n: V) -> (x: V, y: V) where V.Scalar == Float {
        let (x, y) = field.eye.toImage(u: u, n: n)
        return ((x + 0.5) / toLuma - 0.5 - origin.x, (y + 0.5) / toLuma - 0.5 - origin.y)
    }

    /// The reference kernel: one pixel at a time, through `EyeGeometry.toEye`.
    func scalar(_ row: UnsafeMutablePointer<UInt8>, y: Int, from x0: Int, to x1: Int) {
        for x in x0..<x1 {
            let p = SIMD2<Float>(Float(x), Float(y))
            // Pixel centres: a chroma sample covers 2×2 luma pixels centred half a pixel in.
            let e = field.eye.toEye((p + 0.5) * toLuma - 0.5)
            let u = SIMD2(repeating: e.x), n = SIMD2(repeating: e.y)
            let (wh, wv) = field.weights(u: u, n: n)
            guard wh[0] > 0 || wv[0] > 0 else { continue }
            var value = bilinear(source, p - moveAlong * wh[0] - moveAcross * wv[0] - origin)
            let mirror = field.mirrored(u: u, n: n, vertical: wv)
            if mirror.blend[0] > 0 {
                let (mx, my) = planePosition(u: mirror.u, n: mirror.n)
                value += (bilinear(source, SIMD2(mx[0], my[0])) - value) * mirror.blend[0]
            }
            row[x] = UInt8(max(0, min(255, value + 0.5)))
        }
    }

    /// Eight pixels at a time: eye coordinates, weights and sample positions in `SIMD8` lanes; the bilinear
    /// taps are gathered per lane, since each lane samples its own place, and untouched lanes are never written.
    func simd(_ row: UnsafeMutablePointer<UInt8>, y: Int, from x0: Int, to x1: Int) {
        let eye = field.eye
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        let py = Float(y)
        let dy = (py + 0.5) * toLuma - 0.5 - eye.center.y
        var x = x0
        while x < x1 {
            let px = SIMD8<Float>(repeating: Float(x)) + lanes
            let dx = (px + 0.5) * toLuma - 0.5 - eye.center.x
            let u = (dx * eye.axisU.x + dy * eye.axisU.y) / eye.width
            let n = (dx * eye.axisN.x + dy * eye.axisN.y) / eye.width
            let (wh, wv) = field.weights(u: u, n: n)
            let touched = wh .> 0 .| wv .> 0
            if any(touched) {
                let sx = px - moveAlong.x * wh - moveAcross.x * wv - origin.x
                let sy = py - moveAlong.y * wh - moveAcross.y * wv - origin.y
                let mirror = field.mirrored(u: u, n: n, vertical: wv)
                let (mx, my) = planePosition(u: mirror.u, n: mirror.n)
                for lane in 0..<min(8, x1 - x) where touched[lane] {
                    var value = bilinear(source, SIMD2(sx[lane], sy[lane]))
                    if mirror.blend[lane] > 0 {
                        value += (bilinear(source, SIMD2(mx[lane], my[lane])) - value) * mirror.blend[lane]
                    }
                    row[x + lane] = UInt8(max(0, min(255, value + 0.5)))
                }
            }
            x += 8
        }
    }
}

/// A smooth displacement field over one eye: full strength around the iris, fading to zero past the lids.
///
/// Backward mapping: the output pixel at `p` takes the input at `p − w(p)·d`. The weight `w` is 1 inside an
/// inner ellipse and falls with a smoothstep to 0 at an outer one; outside it, pixels are never written.
struct EyeWarpField {
    var eye: EyeGeometry
    /// Where the eye content moves, in luma pixels.
    var displacement: SIMD2<Float>
    /// Ellipse semi-axes in eye widths: along the eye, above and below the corner line.
    var radiusU: Float
    var radiusUp: Float
    var radiusDown: Float
    /// Normalised radii where the weight starts to fall and where it reaches zero.
    static let inner: Float = 0.7
    static let outer: Float = 1.5

    /// A field over `eye` moving its content by `displacement` pixels. The upper ellipse reaches above the
    /// upper lid so the lid follows a vertical move about half way, as real lids follow gaze; the lower lid
    /// barely moves.
    init(eye: EyeGeometry, displacement: SIMD2<Float>) {
        self.eye = eye
        radiusU = 0.55
        radiusUp = max(eye.openingUp * 1.05, 0.24)
        radiusDown = max(eye.openingDown * 0.8, 0.18)
        self.displacement = displacement
        limitFolding()
    }

    /// Shrinks `displacement` until the mapping cannot fold over itself (Jacobian determinant stays ≥ 0.3).
    private mutating func limitFolding() {
        let slope: Float = 1.5 / (Self.outer - Self.inner)  // smoothstep's steepest slope per normalised unit
        let d = SIMD2<Float>((displacement * eye.axisU).sum(), (displacement * eye.axisN).sum()) / eye.width
        let fold = abs(d.x) * slope / radiusU + abs(d.y) * slope / min(radiusUp, radiusDown)
        if fold > 0.7 { displacement *= 0.7 / fold }
    }

    /// Weight at a luma pixel position.
    @inline(__always)
    func weight(at p: SIMD2<Float>) -> Float {
        let e = eye.toEye(p)
        let ry = e.y < 0 ? radiusUp : radiusDown
        let q = SIMD2<Float>(e.x / radiusU, e.y / ry)
        let r = (q * q).sum().squareRoot()
        if r <= Self.inner { return 1 }
        if r >= Self.outer { return 0 }
        let t = (Self.outer - r) / (Self.outer - Self.inner)
        return t * t * (3 - 2 * t)
    }

    /// The luma-pixel rectangle outside which the field is zero: [x0, x1) × [y0, y1), before clipping.
    var bounds: (x0: Float, y0: Float, x1: Float, y1: Float) {
        var lo = SIMD2<Float>(repeating: .infinity), hi = SIMD2<Float>(repeating: -.infinity)
        let o = Self.outer
        for corner in [SIMD2(-radiusU, -radiusUp), SIMD2(radiusU, -radiusUp), SIMD2(-radiusU, radiusDown), SIMD2(radiusU, radiusDown)] {
            let p = eye.toImage(corner * o)
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        return (lo.x.rounded(.down) - 1, lo.y.rounded(.down) - 1, hi.x.rounded(.up) + 2, hi.y.rounded(.up) + 2)
    }
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
        // Sampling reads at most |d| beyond the written box; copy that much so reads see the input only.
        let reach = Int((max(abs(field.displacement.x), abs(field.displacement.y)) * scale).rounded(.up)) + 2
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
                              origin: SIMD2(Float(sx0), Float(sy0)), toLuma: 1 / scale, displacement: field.displacement * scale)
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
    var displacement: SIMD2<Float>

    /// The reference kernel: one pixel at a time.
    func scalar(_ row: UnsafeMutablePointer<UInt8>, y: Int, from x0: Int, to x1: Int) {
        for x in x0..<x1 {
            let p = SIMD2<Float>(Float(x), Float(y))
            // Pixel centres: a chroma sample covers 2×2 luma pixels centred half a pixel in.
            let w = field.weight(at: (p + 0.5) * toLuma - 0.5)
            guard w > 0 else { continue }
            let value = bilinear(source, p - displacement * w - origin)
            row[x] = UInt8(max(0, min(255, value + 0.5)))
        }
    }

    /// Eight pixels at a time: the weight field and the sample positions in `SIMD8` lanes, with the same
    /// operations in the same order as `scalar` (so the results are identical); the bilinear taps are
    /// gathered per lane, since each lane samples its own place, and untouched lanes are never written.
    func simd(_ row: UnsafeMutablePointer<UInt8>, y: Int, from x0: Int, to x1: Int) {
        let eye = field.eye
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
        let inner = EyeWarpField.inner, outer = EyeWarpField.outer
        let py = Float(y)
        let dy = (py + 0.5) * toLuma - 0.5 - eye.center.y
        var x = x0
        while x < x1 {
            let px = SIMD8<Float>(repeating: Float(x)) + lanes
            let dx = (px + 0.5) * toLuma - 0.5 - eye.center.x
            let u = (dx * eye.axisU.x + dy * eye.axisU.y) / eye.width
            let n = (dx * eye.axisN.x + dy * eye.axisN.y) / eye.width
            var radiusN = SIMD8<Float>(repeating: field.radiusDown)
            radiusN.replace(with: field.radiusUp, where: n .< 0)
            let qu = u / field.radiusU, qn = n / radiusN
            let r = (qu * qu + qn * qn).squareRoot()
            let t = pointwiseMax(.zero, pointwiseMin(SIMD8(repeating: 1), (outer - r) / (outer - inner)))
            let w = t * t * (3 - 2 * t)
            if w.max() > 0 {
                let sx = px - displacement.x * w - origin.x
                let sy = py - displacement.y * w - origin.y
                for lane in 0..<min(8, x1 - x) where w[lane] > 0 {
                    let value = bilinear(source, SIMD2(sx[lane], sy[lane]))
                    row[x + lane] = UInt8(max(0, min(255, value + 0.5)))
                }
            }
            x += 8
        }
    }
}

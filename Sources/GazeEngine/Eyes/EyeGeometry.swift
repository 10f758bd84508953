/// One eye described by its six landmarks: corners, the axis through them, the lid opening.
///
/// Eye coordinates are `(u, n)` in eye widths from the corners' midpoint: `u` along the corner line toward
/// image right, `n` across it toward image bottom — the same frame the gaze referee reports `h` and `v` in.
struct EyeGeometry: Equatable {
    var center: SIMD2<Float>
    /// Unit vector from the image-left corner to the image-right corner.
    var axisU: SIMD2<Float>
    /// Unit vector across the eye, pointing toward the image bottom for an upright face.
    var axisN: SIMD2<Float>
    /// Corner-to-corner distance in pixels.
    var width: Float
    /// Upper and lower lid distance from the corner line, in eye widths (both positive when open).
    var openingUp: Float
    var openingDown: Float
    /// The lid polygon in eye coordinates: left corner, upper lid ×2, right corner, lower lid ×2.
    var contour: [SIMD2<Float>]

    /// - Parameter points: the six dlib landmarks of one eye (36–41 or 42–47), in their iBUG order.
    init?(points: ArraySlice<SIMD2<Float>>) {
        guard points.count == 6 else { return nil }
        let p = Array(points)
        let left = p[0].x <= p[3].x ? p[0] : p[3]
        let right = p[0].x <= p[3].x ? p[3] : p[0]
        let span = right - left
        let length = (span * span).sum().squareRoot()
        guard length >= 4 else { return nil }
        width = length
        axisU = span / length
        axisN = SIMD2(-axisU.y, axisU.x)
        center = (left + right) / 2
        contour = []
        openingUp = 0
        openingDown = 0
        contour = p.map { toEye($0) }
        // iBUG order: 1, 2 are the upper lid, 4, 5 the lower lid.
        openingUp = max(0, -(contour[1].y + contour[2].y) / 2)
        openingDown = max(0, (contour[4].y + contour[5].y) / 2)
    }

    /// Eye aspect ratio (Soukupová & Čech): lid distance over corner distance; ≈0.3 open, < 0.15 closed.
    var aspectRatio: Float { openingUp + openingDown }

    /// Image pixel → eye coordinates (eye widths).
    func toEye(_ point: SIMD2<Float>) -> SIMD2<Float> {
        let d = point - center
        return SIMD2((d * axisU).sum(), (d * axisN).sum()) / width
    }

    /// Eye coordinates (eye widths) → image pixel.
    func toImage(_ eye: SIMD2<Float>) -> SIMD2<Float> {
        let (x, y) = toImage(u: SIMD2(repeating: eye.x), n: SIMD2(repeating: eye.y))
        return SIMD2(x[0], y[0])
    }

    /// Eye coordinates → image pixels for any number of points at once, lane by lane (the warp kernels' form).
    @inline(__always)
    func toImage<V: SIMD>(u: V, n: V) -> (x: V, y: V) where V.Scalar == Float {
        (V(repeating: center.x) + (u * axisU.x + n * axisN.x) * width, V(repeating: center.y) + (u * axisU.y + n * axisN.y) * width)
    }

    /// Whether `eye` (eye coordinates) lies inside the lid polygon.
    func contains(_ eye: SIMD2<Float>) -> Bool {
        var inside = false
        var j = contour.count - 1
        for i in contour.indices {
            let a = contour[i], b = contour[j]
            if (a.y > eye.y) != (b.y > eye.y), eye.x < (b.x - a.x) * (eye.y - a.y) / (b.y - a.y) + a.x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }
}

/// Where the iris sits inside one eye, found from the pixels, and how sure that is.
struct IrisEstimate: Equatable {
    /// Iris centre in eye coordinates (eye widths from the corners' midpoint).
    var center: SIMD2<Float>
    /// 0 … 1: iris/sclera contrast and how much of the iris is visible between the lids.
    var confidence: Float
}

/// Finds the iris centre inside the lid contour by matching a dark disk against a brighter ring.
///
/// The eye is resampled into a small grid in eye coordinates, so the search costs the same for every
/// face size and head roll. A disk (iris ≈ 0.4 eye widths across) that is darker than its surrounding
/// ring wins; only pixels inside the lids count, so a half-covered iris still centres where the whole
/// circle would be rather than on its visible part. Not thread-safe: owns scratch buffers.
final class IrisLocator {
    static let columns = 32
    static let rows = 20
    /// Grid spacing in eye widths along u (columns) and n (rows).
    static let stepU: Float = 1.0 / 32
    static let stepN: Float = 0.03
    static let irisRadius: Float = 0.2

    private var luma = [Float](repeating: 0, count: columns * rows)
    private var inside = [Float](repeating: 0, count: columns * rows)
    private var scores = [Float](repeating: 0, count: columns * rows)
    /// (column, row) offsets of the disk and of the ring around it, precomputed once.
    private let disk: [(Int, Int)]
    private let ring: [(Int, Int)]

    init() {
        var disk: [(Int, Int)] = [], ring: [(Int, Int)] = []
        let r = Self.irisRadius
        for dn in -12...12 {
            for du in -12...12 {
                let u = Float(du) * Self.stepU, n = Float(dn) * Self.stepN
                let d = (u * u + n * n).squareRoot()
                if d <= r { disk.append((du, dn)) } else if d <= r * 1.5 { ring.append((du, dn)) }
            }
        }
        self.disk = disk
        self.ring = ring
    }

    func locate(in image: LumaView, eye: EyeGeometry) -> IrisEstimate? {
        sample(image, eye)
        var best: (score: Float, col: Int, row: Int, coverage: Float)?
        for i in scores.indices { scores[i] = -.infinity }
        // Candidate centres: the middle of the eye, where an iris can be while the person looks near the lens.
        for row in 5..<(Self.rows - 5) {
            for col in 5..<(Self.columns - 5) {
                guard let (score, coverage) = contrast(col, row) else { continue }
                scores[row * Self.columns + col] = score
                if score > (best?.score ?? 0) { best = (score, col, row, coverage) }
            }
        }
        guard let best else { return nil }
        let idx = best.row * Self.columns + best.col
        let du = parabolicPeak(scores[idx - 1], best.score, scores[idx + 1])
        let dn = parabolicPeak(scores[idx - Self.columns], best.score, scores[idx + Self.columns])
        let center = SIMD2<Float>(
            (Float(best.col) + du + 0.5) * Self.stepU - 0.5,
            (Float(best.row) + dn + 0.5) * Self.stepN - Float(Self.rows) * Self.stepN / 2)
        // 25 grey levels of iris/sclera contrast is a clearly visible iris; less is low light or a closed eye.
        let confidence = min(1, best.score / 25) * min(1, best.coverage / 0.5)
        return IrisEstimate(center: center, confidence: confidence)
    }

    /// Mean ring luma minus mean disk luma at a candidate centre, counting only pixels between the lids.
    private func contrast(_ col: Int, _ row: Int) -> (Float, Float)? {
        var diskSum: Float = 0, diskCount: Float = 0, ringSum: Float = 0, ringCount: Float = 0
        for (du, dn) in disk {
            let c = col + du, r = row + dn
            guard c >= 0, c < Self.columns, r >= 0, r < Self.rows else { continue }
            let i = r * Self.columns + c
            diskSum += luma[i] * inside[i]
            diskCount += inside[i]
        }
        for (du, dn) in ring {
            let c = col + du, r = row + dn
            guard c >= 0, c < Self.columns, r >= 0, r < Self.rows else { continue }
            let i = r * Self.columns + c
            ringSum += luma[i] * inside[i]
            ringCount += inside[i]
        }
        let coverage = diskCount / Float(disk.count)
        guard coverage >= 0.2, ringCount >= 4 else { return nil }
        return (ringSum / ringCount - diskSum / diskCount, coverage)
    }

    /// Fills the grid with bilinear luma samples and the lid mask.
    private func sample(_ image: LumaView, _ eye: EyeGeometry) {
        let top = -Float(Self.rows) * Self.stepN / 2
        for row in 0..<Self.rows {
            for col in 0..<Self.columns {
                let e = SIMD2<Float>((Float(col) + 0.5) * Self.stepU - 0.5, top + (Float(row) + 0.5) * Self.stepN)
                let i = row * Self.columns + col
                inside[i] = eye.contains(e) ? 1 : 0
                luma[i] = bilinear(image, eye.toImage(e))
            }
        }
    }
}

/// Sub-sample offset of a peak from three neighbouring scores (−0.5 … 0.5).
func parabolicPeak(_ left: Float, _ center: Float, _ right: Float) -> Float {
    guard left.isFinite, right.isFinite else { return 0 }
    let curvature = left - 2 * center + right
    guard curvature < 0 else { return 0 }
    return max(-0.5, min(0.5, 0.5 * (left - right) / curvature))
}

/// Bilinear sample of an 8-bit plane at a pixel-centre coordinate, clamped at the borders.
@inline(__always)
func bilinear(_ image: LumaView, _ p: SIMD2<Float>) -> Float {
    let x = max(0, min(Float(image.width - 1), p.x)), y = max(0, min(Float(image.height - 1), p.y))
    let x0 = Int(x), y0 = Int(y)
    let x1 = min(x0 + 1, image.width - 1), y1 = min(y0 + 1, image.height - 1)
    let fx = x - Float(x0), fy = y - Float(y0)
    let row0 = image.base + y0 * image.stride, row1 = image.base + y1 * image.stride
    let top = Float(row0[x0]) + (Float(row0[x1]) - Float(row0[x0])) * fx
    let bottom = Float(row1[x0]) + (Float(row1[x1]) - Float(row1[x0])) * fx
    return top + (bottom - top) * fy
}

/// Where the iris sits inside one eye, found from the pixels, and how sure that is.
struct IrisEstimate: Equatable {
    /// Iris centre in eye coordinates (eye widths from the corners' midpoint).
    var center: SIMD2<Float>
    /// 0 … 1: iris/sclera contrast and how much of the iris is visible between the lids.
    var confidence: Float
    /// How tall the dark band through the centre is, in eye widths: the lids' opening over the iris as the pixels
    /// show it. An eye that closes while its landmarks stay open (as they do behind glasses) keeps only its
    /// lashes here. Nil when the band shows too little contrast to tell.
    var height: Float?
}

/// Finds the iris centre inside the lid contour with a matched filter: a dark disk the size of an iris
/// (≈ 0.4 eye widths across) inside a brighter ring.
///
/// The eye is resampled into a small grid in eye coordinates, so the search costs the same for every face
/// size and head roll. Only pixels between the lids count, and they count as sums, not means: a disk
/// pushed past the corner loses the dark pixels it no longer covers, so the estimate is not pulled toward
/// the corners. When the lids cover the top and bottom of the iris, several centres explain the visible
/// band equally well; the centroid of those near-best centres is taken. The centre along the eye is then
/// refined from the limbus (`refineAlongAxis`). Not thread-safe: owns buffers.
final class IrisLocator {
    static let columns = 40
    static let rows = 24
    /// Grid spacing in eye widths (the grid spans the eye's width and ±0.3 across it).
    static let step: Float = 1.0 / 40
    static let irisRadius: Float = 0.2
    /// The band along the eye, either side of the centre, whose rows `height` reads; and how far from the eye's
    /// dark end (its darkest tenth of samples) toward its bright end (the brightest tenth: sclera, or the skin of
    /// a closed lid) a row may be and still count as dark.
    static let heightBand: Float = 0.1
    static let darkShare: Float = 0.4
    /// Luma levels a dark end must lie below the median to count as one (else the darkest row stands in), and
    /// below the bright end for the band to be read at all.
    static let heightContrast: Float = 10

    /// How far the ring reaches from a centre, in grid cells; the darkness grid has this much zero margin
    /// on every side so the filter needs no bounds checks.
    static let reach = Int((irisRadius * 1.5 / step).rounded(.up))
    static let paddedColumns = columns + 2 * reach

    private var darkness = [Float](repeating: 0, count: paddedColumns * (rows + 2 * reach))
    private var inside = [Bool](repeating: false, count: columns * rows)
    private var rowDarkness = [Float](repeating: 0, count: rows)
    private var scores = [Float](repeating: 0, count: columns * rows)
    private var sorted = [Float](repeating: 0, count: columns * rows)
    /// Offsets into the padded grid of the disk's cells and of the ring's, precomputed once.
    private let disk: [Int]
    private let ring: [Int]

    init() {
        var disk: [Int] = [], ring: [Int] = []
        for dn in -Self.reach...Self.reach {
            for du in -Self.reach...Self.reach {
                let d = (Float(du * du + dn * dn)).squareRoot() * Self.step
                if d <= Self.irisRadius { disk.append(dn * Self.paddedColumns + du) } else if d <= Self.irisRadius * 1.5 { ring.append(dn * Self.paddedColumns + du) }
            }
        }
        self.disk = disk
        self.ring = ring
    }

    func locate(in image: LumaView, eye: EyeGeometry) -> IrisEstimate? {
        guard let (contrast, visible, ends) = sample(image, eye), visible >= 12 else { return nil }
        let ringWeight = Float(disk.count) / Float(ring.count)
        var best: Float = 0
        // Candidate centres: the middle of the eye, where an iris can be while the person looks near the lens.
        darkness.withUnsafeBufferPointer { grid in
            for row in 6..<(Self.rows - 6) {
                for col in 6..<(Self.columns - 6) {
                    let center = Self.padded(col, row)
                    // Safe: every offset stays within `reach` cells of a cell inside the grid, i.e. in the margin.
                    var inner: Float = 0, outer: Float = 0
                    for offset in disk { inner += grid[center + offset] }
                    for offset in ring { outer += grid[center + offset] }
                    let score = inner - outer * ringWeight
                    scores[row * Self.columns + col] = score
                    best = max(best, score)
                }
            }
        }
        guard best > 0 else { return nil }
        // Centroid of the near-best centres: the middle of an ambiguous band, not its first cell.
        var sum = SIMD2<Float>.zero, total: Float = 0
        for row in 6..<(Self.rows - 6) {
            for col in 6..<(Self.columns - 6) {
                let excess = scores[row * Self.columns + col] - 0.92 * best
                guard excess > 0 else { continue }
                sum += SIMD2(Float(col), Float(row)) * excess
                total += excess
            }
        }
        let cell = sum / total
        var center = SIMD2<Float>((cell.x + 0.5) * Self.step - 0.5, (cell.y + 0.5) * Self.step - Float(Self.rows) * Self.step / 2)
        if let u = Self.refineAlongAxis(center, in: image, eye: eye) { center.x = u }
        // How much of an iris-sized disk the best match filled with dark pixels, and how dark they were.
        let fill = min(1, best / (Float(disk.count) * max(contrast, 1)))
        let confidence = min(1, contrast / 30) * min(1, fill / 0.35)
        return IrisEstimate(center: center, confidence: confidence, height: darkHeight(at: center.x, ends: ends))
    }

    /// Eye widths of grid rows, within `heightBand` of `u` along the eye, whose samples between the lids are on
    /// average nearer the dark end than `darkShare` of the way to the bright end (`ends`, in the grid's darkness).
    private func darkHeight(at u: Float, ends: (dark: Float, bright: Float)) -> Float? {
        let middle = Int(((u + 0.5) / Self.step - 0.5).rounded())
        let band = Int((Self.heightBand / Self.step).rounded())
        let first = max(0, middle - band), last = min(Self.columns - 1, middle + band)
        guard first <= last else { return nil }
        var seen = 0
        for row in 0..<Self.rows {
            var sum: Float = 0, count = 0
            for col in first...last where inside[row * Self.columns + col] {
                sum += darkness[Self.padded(col, row)]
                count += 1
            }
            guard count > 0 else { continue }
            rowDarkness[seen] = sum / Float(count)
            seen += 1
        }
        // A closed lid's lashes can be fewer than a tenth of the samples, leaving the darkest tenth no darker than
        // the skin: then the darkest row is the dark end.
        guard let darkest = rowDarkness[0..<seen].max() else { return nil }
        let dark = ends.dark >= Self.heightContrast ? ends.dark : darkest
        guard dark - ends.bright >= Self.heightContrast else { return nil }
        let cut = dark - Self.darkShare * (dark - ends.bright)
        return Float(rowDarkness[0..<seen].reduce(0) { $0 + ($1 > cut ? 1 : 0) }) * Self.step
    }

    @inline(__always)
    private static func padded(_ col: Int, _ row: Int) -> Int { (row + reach) * paddedColumns + col + reach }

    /// Fills the grid with how much darker than the eye's median each sample is (0 outside the lids).
    /// Returns the spread between the eye's bright and dark samples, how many samples are inside, and the
    /// darkness of its dark and bright ends (the darkest and brightest tenth).
    private func sample(_ image: LumaView, _ eye: EyeGeometry) -> (Float, Int, (dark: Float, bright: Float))? {
        let top = -Float(Self.rows) * Self.step / 2
        var count = 0
        for row in 0..<Self.rows {
            for col in 0..<Self.columns {
                let e = SIMD2<Float>((Float(col) + 0.5) * Self.step - 0.5, top + (Float(row) + 0.5) * Self.step)
                // Luma for now, NaN outside the lids; turned into darkness below once the median is known.
                let luma = eye.contains(e) ? bilinear(image, eye.toImage(e)) : .nan
                darkness[Self.padded(col, row)] = luma
                inside[row * Self.columns + col] = !luma.isNaN
                if !luma.isNaN {
                    sorted[count] = luma
                    count += 1
                }
            }
        }
        guard count > 0 else { return nil }
        sorted[0..<count].sort()
        let median = sorted[count / 2]
        let low = sorted[count / 10], high = sorted[count * 9 / 10]
        for row in 0..<Self.rows {
            for col in 0..<Self.columns {
                let i = Self.padded(col, row)
                darkness[i] = darkness[i].isNaN ? 0 : median - darkness[i]
            }
        }
        return (high - low, count, (median - low, median - high))
    }
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

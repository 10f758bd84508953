extension IrisLocator {
    /// Rows sampled across the iris, and samples along each row, for the limbus search.
    static let limbusRows = 7
    static let limbusStep: Float = 1.0 / 160

    /// Refines the iris centre along the eye axis from the limbus: on rows through the iris's middle band,
    /// the strongest dark-to-bright step on each side (iris to sclera) marks its rim, and the rim's midpoint
    /// is the centre. The matched filter alone is pulled off centre by a specular highlight or a shaded
    /// upper half; the two rims are not. Rows whose rims are faint, outside the lids or implausibly far
    /// apart are skipped, and the coarse centre is kept unless at least two rows agree.
    static func refineAlongAxis(_ coarse: SIMD2<Float>, in image: LumaView, eye: EyeGeometry) -> Float? {
        let r = irisRadius
        let count = Int((3.2 * r / limbusStep).rounded())
        var midpoints: [(u: Float, strength: Float)] = []
        var profile = [Float](repeating: 0, count: count + 1)
        for k in 0..<limbusRows {
            let n = coarse.y + (Float(k) / Float(limbusRows - 1) - 0.5) * r
            let start = coarse.x - 1.6 * r
            for i in 0...count {
                profile[i] = bilinear(image, eye.toImage(SIMD2(start + Float(i) * limbusStep, n)))
            }
            // Central differences: + where luma rises toward image right.
            func slope(_ i: Int) -> Float { profile[i + 1] - profile[i - 1] }
            func strongest(_ range: ClosedRange<Float>, rising: Bool) -> (u: Float, strength: Float)? {
                let lo = max(1, Int(((range.lowerBound - start) / limbusStep).rounded())),
                    hi = min(count - 1, Int(((range.upperBound - start) / limbusStep).rounded()))
                guard hi > lo + 2 else { return nil }
                var best = lo + 1, bestValue: Float = 0
                for i in (lo + 1)..<hi {
                    let v = rising ? slope(i) : -slope(i)
                    if v > bestValue { bestValue = v; best = i }
                }
                guard bestValue > 0 else { return nil }
                // Sub-sample peak by a parabola through the neighbours.
                let a = rising ? slope(best - 1) : -slope(best - 1), c = rising ? slope(best + 1) : -slope(best + 1)
                let denominator = a - 2 * bestValue + c
                let offset = denominator < 0 ? max(-0.5, min(0.5, 0.5 * (a - c) / denominator)) : 0
                return (start + (Float(best) + offset) * limbusStep, bestValue)
            }
            guard let left = strongest((coarse.x - 1.5 * r)...(coarse.x - 0.4 * r), rising: false),
                  let right = strongest((coarse.x + 0.4 * r)...(coarse.x + 1.5 * r), rising: true),
                  eye.contains(SIMD2(left.u, n)), eye.contains(SIMD2(right.u, n)) else { continue }
            let span = right.u - left.u
            guard span > 1.2 * r, span < 2.6 * r else { continue }
            midpoints.append(((left.u + right.u) / 2, min(left.strength, right.strength)))
        }
        guard midpoints.count >= 2 else { return nil }
        // Rims fainter than a third of the best row's are lashes or shadow, not the limbus.
        let floor = (midpoints.map(\.strength).max() ?? 0) / 3
        let kept = midpoints.filter { $0.strength >= floor }.sorted { $0.u < $1.u }
        guard kept.count >= 2 else { return nil }
        return kept[kept.count / 2].u
    }
}

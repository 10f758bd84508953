import Foundation

@testable import GazeEngine

/// Synthetic eyes for the iris and warp tests: six iBUG-ordered landmarks and a drawn picture of them.
enum DrawnEye {
    /// An eye `width` pixels from corner to corner, centred at `center`, rolled by `roll` radians, its upper
    /// lid 0.15 and its lower lid 0.12 eye widths from the corner line (or `lids` when given).
    static func geometry(center: SIMD2<Float>, width: Float, roll: Float = 0, lids: (up: Float, down: Float) = (0.15, 0.12)) -> EyeGeometry? {
        let u = SIMD2<Float>(cos(roll), sin(roll)), n = SIMD2<Float>(-sin(roll), cos(roll))
        let points: [SIMD2<Float>] = [
            center - u * width / 2, center - u * width / 6 - n * width * lids.up, center + u * width / 6 - n * width * lids.up,
            center + u * width / 2, center + u * width / 6 + n * width * lids.down, center - u * width / 6 + n * width * lids.down,
        ]
        return EyeGeometry(points: points[...])
    }

    /// The pupil's radius, in eye widths, unless a picture asks for another.
    static let pupilRadius = Float(0.005).squareRoot()

    /// A `width`×`height` luma picture: skin, white sclera inside the lids, a dark iris of radius 0.2 eye
    /// widths at `iris` (eye coordinates, luma `irisLevel`) with a darker pupil of `pupilRadius`, and optionally
    /// a specular highlight (radius 0.07) and the upper lid's shadow (the iris darker toward its top, lighter below).
    static func picture(width: Int, height: Int, eye: EyeGeometry, iris: SIMD2<Float>, highlight: SIMD2<Float>? = nil,
                        shaded: Bool = false, irisLevel: UInt8 = 70, pupilRadius: Float = pupilRadius) -> [UInt8] {
        let pupil = pupilRadius * pupilRadius
        var bytes = [UInt8](repeating: 150, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let e = eye.toEye(SIMD2(Float(x), Float(y)))
                guard eye.contains(e) else { continue }
                let d = e - iris
                let r2 = (d * d).sum()
                var value: UInt8 = r2 <= 0.04 ? (r2 <= pupil ? 25 : irisLevel) : 230
                if shaded, r2 <= 0.04, r2 > pupil { value = UInt8(max(30, min(140, 90 + d.y * 250))) }
                if let highlight, ((e - highlight) * (e - highlight)).sum() <= 0.005 { value = 250 }
                bytes[y * width + x] = value
            }
        }
        return bytes
    }

    /// `picture` (`width` pixels a row) with each of `eyes` shut: skin where the open eye was, and a line of
    /// lashes 0.05 eye widths thick along the corner line.
    static func shut(_ picture: [UInt8], width: Int, eyes: [EyeGeometry]) -> [UInt8] {
        var bytes = picture
        for i in bytes.indices {
            let p = SIMD2(Float(i % width), Float(i / width))
            for eye in eyes {
                let e = eye.toEye(p)
                guard eye.contains(e) else { continue }
                bytes[i] = abs(e.y) <= 0.025 ? 40 : 150
            }
        }
        return bytes
    }
}

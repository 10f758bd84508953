import Foundation
import Testing

@testable import GazeEngine

/// The SIMD warp kernel against the scalar reference, on synthetic planes.
@Suite("Eye warp kernels")
struct EyeWarpTests {
    /// A textured plane (gradients plus a pseudo-random pattern) with a row stride wider than the picture.
    static func plane(width: Int, height: Int, stride: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: stride * height)
        var seed: UInt32 = 12345
        for y in 0..<height {
            for x in 0..<width {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                bytes[y * stride + x] = UInt8(truncatingIfNeeded: x * 3 + y * 2 + Int(seed >> 28))
            }
        }
        return bytes
    }

    /// A field whose own iris was found where the shared estimate puts it, so large moves blend in the sclera fill.
    static func field(center: SIMD2<Float>, width: Float, roll: Float, shift: SIMD2<Float>) -> EyeWarpField? {
        DrawnEye.geometry(center: center, width: width, roll: roll).map { EyeWarpField(eye: $0, shift: shift, iris: 0.1, found: 0.1) }
    }

    @Test("SIMD and scalar kernels write identical pixels, only inside the field", arguments: [
        (SIMD2<Float>(60, 40), Float(40), Float(0), SIMD2<Float>(0.15, -0.05), Float(1)),
        (SIMD2<Float>(61.3, 38.7), Float(33), Float(0.2), SIMD2<Float>(-0.15, 0.09), Float(1)),
        (SIMD2<Float>(60, 40), Float(40), Float(-0.15), SIMD2<Float>(0.18, 0.03), Float(0.5)),
        (SIMD2<Float>(8, 6), Float(30), Float(0), SIMD2<Float>(-0.13, 0), Float(1)),  // clipped at the plane's corner
        (SIMD2<Float>(60, 40), Float(44), Float(0.1), SIMD2<Float>(0.3, 0.02), Float(1)),  // large: sclera fill
        (SIMD2<Float>(60, 40), Float(44), Float(0.1), SIMD2<Float>(0.3, 0.02), Float(0.5)),
    ])
    func simdMatchesScalar(center: SIMD2<Float>, eyeWidth: Float, roll: Float, shift: SIMD2<Float>, scale: Float) throws {
        let width = 121, height = 83, stride = 128
        let original = Self.plane(width: width, height: height, stride: stride)
        var simd = original, scalar = original
        let field = try #require(Self.field(center: center, width: eyeWidth, roll: roll, shift: shift))
        let warper = EyeWarper()
        simd.withUnsafeMutableBufferPointer { buffer in
            warper.apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: stride), scale: scale, kernel: .simd)
        }
        scalar.withUnsafeMutableBufferPointer { buffer in
            warper.apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: stride), scale: scale, kernel: .scalar)
        }
        if abs(shift.x) >= 0.3 { #expect(field.fill.strength > 0.9, "the case meant to cover the fill does not use it") }
        #expect(simd == scalar, "\(zip(simd, scalar).filter { $0 != $1 }.count) bytes differ")
        let changed = zip(original, simd).filter { $0 != $1 }.count
        #expect(changed > 50, "the warp should move a visible number of pixels, moved \(changed)")
        // Nothing outside the field's box, nor in the row padding, is touched.
        let b = field.bounds
        for y in 0..<height {
            for x in 0..<stride where Float(x) < b.x0 * scale - 1 || Float(x) >= b.x1 * scale + 1 || Float(y) < b.y0 * scale - 1 || Float(y) >= b.y1 * scale + 1 || x >= width {
                #expect(simd[y * stride + x] == original[y * stride + x], "pixel (\(x), \(y)) outside the field changed")
            }
        }
    }

    @Test("a zero shift changes nothing")
    func zeroDisplacement() throws {
        let width = 96, height = 64
        let original = Self.plane(width: width, height: height, stride: width)
        var bytes = original
        let field = try #require(Self.field(center: SIMD2(48, 32), width: 36, roll: 0.1, shift: .zero))
        bytes.withUnsafeMutableBufferPointer { buffer in
            EyeWarper().apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: width), scale: 1)
        }
        #expect(bytes == original)
    }

    /// Centroid of the dark (iris) pixels along the eye axis, in eye widths.
    static func irisU(_ bytes: [UInt8], width: Int, eye: EyeGeometry) -> Float {
        var sum: Float = 0, count: Float = 0
        for (i, value) in bytes.enumerated() where value < 100 {
            sum += eye.toEye(SIMD2(Float(i % width), Float(i / width))).x
            count += 1
        }
        return sum / max(count, 1)
    }

    @Test("the iris slides to the centre while both eye corners, and the skin beyond them, stay put",
          arguments: [Float(0.15), Float(-0.12)])
    func irisSlidesBetweenFixedCorners(irisU: Float) throws {
        let width = 160, height = 100
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: 100))
        let warp = EyeWarpField(eye: eye, shift: SIMD2(-irisU, 0), iris: irisU)
        let original = DrawnEye.picture(width: width, height: height, eye: warp.eye, iris: SIMD2(irisU, 0))
        var bytes = original
        bytes.withUnsafeMutableBufferPointer { buffer in
            EyeWarper().apply(warp, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: width), scale: 1)
        }
        let before = Self.irisU(original, width: width, eye: warp.eye), after = Self.irisU(bytes, width: width, eye: warp.eye)
        #expect(abs(before - irisU) < 0.02)
        #expect(abs(after) < 0.03, "iris centre moved from \(before) to \(after) eye widths, not to the centre")
        // The corners (and everything beyond them along the axis) are not moved.
        for (corner, outward) in [(30, -1), (130, 1)] {
            for step in 0...8 {
                let i = 50 * width + corner + step * outward
                #expect(bytes[i] == original[i], "pixel \(step) beyond the corner at x = \(corner) changed")
            }
        }
        // The iris keeps its size: as many dark pixels after as before, within its rim's resampling.
        let dark = { (b: [UInt8]) in Float(b.filter { $0 < 100 }.count) }
        #expect(abs(dark(bytes) - dark(original)) / dark(original) < 0.08)
    }

    @Test("a gaze lowered about 16° is raised whole, lids and all: the fold limit leaves the move")
    func raisedWhole() throws {
        let width = 160, height = 120
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 56), width: 80))
        let original = DrawnEye.picture(width: width, height: height, eye: eye, iris: SIMD2(0, 0.06))
        // 0.55 · sin 16° ≈ 0.15 eye widths: 12 px on this eye.
        let field = EyeWarpField(eye: eye, shift: SIMD2(0, -0.15), iris: 0)
        #expect(field.shift.y < -0.145, "the fold limit left \(field.shift.y) of -0.15")
        var bytes = original
        bytes.withUnsafeMutableBufferPointer { buffer in
            EyeWarper().apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: width), scale: 1)
        }
        // The iris rises 11.7 px, and both lids with it: the opening above and below it keeps its height.
        let irisRow = { (b: [UInt8]) -> Float in
            let rows = b.indices.filter { b[$0] < 100 }.map { Float($0 / width) }
            return rows.reduce(0, +) / Float(max(rows.count, 1))
        }
        #expect(irisRow(bytes) - irisRow(original) < -11, "the iris rose \(irisRow(original) - irisRow(bytes)) px")
        for x in [74, 80, 86] {
            // The lids: where the skin (drawn at 150) gives way to the eye, down the column through the iris.
            let column = { (b: [UInt8]) in (0..<height).map { b[$0 * width + x] } }
            let lids = { (b: [UInt8]) -> (Int, Int) in
                let c = column(b)
                return (c.firstIndex { abs(Int($0) - 150) > 20 } ?? 0, c.lastIndex { abs(Int($0) - 150) > 20 } ?? 0)
            }
            let (upperBefore, lowerBefore) = lids(original), (upperAfter, lowerAfter) = lids(bytes)
            #expect(upperAfter - upperBefore <= -11, "upper lid at x = \(x) rose \(upperBefore - upperAfter) px")
            #expect(lowerAfter - lowerBefore <= -11, "lower lid at x = \(x) rose \(lowerBefore - lowerAfter) px")
        }
    }

    @Test("an iris against a corner limits the sideways move, and the vertical move keeps what it can")
    func cornerLimitKeepsVertical() throws {
        // The far eye of a turned head glancing aside: its iris fills the outer end of the opening, so a large
        // move would stretch the sliver beside it past the fold limit whatever the vertical move does.
        let eye = try #require(DrawnEye.geometry(center: SIMD2(100, 100), width: 40))
        let sideways = EyeWarpField(eye: eye, shift: SIMD2(0.24, 0), iris: -0.17, found: -0.26, stretchGain: 1.4)
        let both = EyeWarpField(eye: eye, shift: SIMD2(0.24, -0.07), iris: -0.17, found: -0.26, stretchGain: 1.4)
        #expect(sideways.shift.x < 0.16, "the stretch beside the iris was not limited: \(sideways.shift.x)")
        #expect(sideways.shift.x > 0.08, "the sideways move was cut to \(sideways.shift.x)")
        #expect(abs(both.shift.x - sideways.shift.x) < 1e-6, "the vertical move cost the sideways one")
        #expect(both.shift.y < -0.025, "the vertical move was cut to \(both.shift.y) of -0.07")
    }

    @Test("an iris moved far from a corner leaves sclera behind it, not the stretched corner; the iris stays whole")
    func scleraFillsTheSideTheIrisLeaves() throws {
        let width = 160, height = 100
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: 100))
        let original = DrawnEye.picture(width: width, height: height, eye: eye, iris: SIMD2(-0.2, 0))
        /// Warps a copy, and returns it with the mean luma of a patch of the side the iris left.
        func warped(found: Float?) -> (bytes: [UInt8], vacated: Float) {
            var bytes = original
            let field = EyeWarpField(eye: eye, shift: SIMD2(0.2, 0), iris: -0.2, found: found)
            bytes.withUnsafeMutableBufferPointer { buffer in
                EyeWarper().apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: width), scale: 1)
            }
            var sum: Float = 0, count: Float = 0
            for (i, value) in bytes.enumerated() {
                let e = eye.toEye(SIMD2(Float(i % width), Float(i / width)))
                guard (-0.34 ... -0.27).contains(e.x), (0.035...0.06).contains(abs(e.y)) else { continue }
                sum += Float(value)
                count += 1
            }
            return (bytes, sum / max(count, 1))
        }
        let filled = warped(found: -0.2), stretched = warped(found: nil)
        // Sclera is drawn at 230, skin at 150: the stretch alone pulls the skin by the corner into the eye.
        #expect(filled.vacated > 210, "the side the iris left reads \(filled.vacated), not sclera")
        #expect(stretched.vacated < 195, "without the fill it read \(stretched.vacated): the patch does not test the fill")
        let dark = { (b: [UInt8]) in Float(b.filter { $0 < 100 }.count) }
        #expect(abs(dark(filled.bytes) - dark(original)) / dark(original) < 0.1, "the iris changed size")
        #expect(Self.irisU(filled.bytes, width: width, eye: eye) > -0.06, "the iris did not move toward the centre")
        // The corners and what lies beyond them are not touched.
        for x in [25, 26, 27, 28, 29, 30, 130, 131, 132, 133, 134, 135] {
            #expect(filled.bytes[50 * width + x] == original[50 * width + x], "pixel at x = \(x) on the corner line changed")
        }
    }

    @Test("half the intensity moves the iris half as far and fills the side it leaves at least as the full move does")
    func partialMoveFillsLikeTheFullOne() throws {
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: 100))
        let full = EyeWarpField(eye: eye, shift: SIMD2(0.2, 0), iris: -0.2, found: -0.2)
        let half = EyeWarpField(eye: eye, shift: SIMD2(0.1, 0), iris: -0.2, found: -0.2, share: 0.5)
        let smallMove = EyeWarpField(eye: eye, shift: SIMD2(0.1, 0), iris: -0.2, found: -0.2)
        // The whole move is shortened a little by the fold limit, so it fills a little less than its half.
        #expect(full.fill.strength > 0.85)
        #expect(half.fill.strength >= full.fill.strength, "half: \(half.fill.strength), full: \(full.fill.strength)")
        // The same 0.1 move asked for as a whole correction is a small one, and gets less fill.
        #expect(smallMove.fill.strength < 0.7, "a whole 0.1 move filled \(smallMove.fill.strength)")
        #expect(abs(half.fill.target - -0.1) < 1e-5 && abs(half.shift.x - 0.1) < 1e-5, "the half move lands at \(half.fill.target)")
    }

    @Test("the sideways gain makes up for a stretched move only: a move the fill paints behind is not scaled up")
    func gainOnlyWhereStretched() throws {
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: 100))
        let gain: Float = 1.3, wanted: Float = 0.2
        let filled = EyeWarpField(eye: eye, shift: SIMD2(wanted * gain, 0), iris: -0.2, found: -0.2, stretchGain: gain)
        let stretched = EyeWarpField(eye: eye, shift: SIMD2(wanted * gain, 0), iris: -0.2, found: nil, stretchGain: gain)
        #expect(filled.fill.strength > 0.9)
        // At most the move wanted (the fold limit may shorten it a little), not the gained one.
        #expect(filled.shift.x <= wanted + 0.005 && filled.shift.x > wanted * 0.85, "a filled move of \(wanted) became \(filled.shift.x)")
        #expect(stretched.fill.strength == 0)
        #expect(stretched.shift.x > wanted * 1.15, "a stretched move lost its gain: \(stretched.shift.x)")
    }

    @Test("the fill is trusted only when what it would mirror is sclera, not an iris found in the wrong place")
    func fillChecksItsSource() throws {
        let width = 160, height = 100
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: 100))
        let picture = DrawnEye.picture(width: width, height: height, eye: eye, iris: SIMD2(-0.2, 0))
        try RawLuma(bytes: picture, width: width, height: height).withView { luma in
            // Found where it is, moving right: beyond it to the right lies white.
            #expect(ScleraFill.sourceCheck(luma, eye: eye, iris: SIMD2(-0.2, 0), toward: 0.2) > 0.99)
            // Found a quarter eye to the left of where it is: to its right lies the iris itself.
            #expect(ScleraFill.sourceCheck(luma, eye: eye, iris: SIMD2(-0.45, 0), toward: 0.2) == 0)
            // Found on bare white: nothing there is darker than what it would mirror.
            #expect(ScleraFill.sourceCheck(luma, eye: eye, iris: SIMD2(0.1, 0), toward: 0.2) == 0)
        }
    }
}

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

    static func field(center: SIMD2<Float>, width: Float, roll: Float, displacement: SIMD2<Float>) -> EyeWarpField? {
        let u = SIMD2<Float>(cos(roll), sin(roll)), n = SIMD2<Float>(-sin(roll), cos(roll))
        let eye: [SIMD2<Float>] = [
            center - u * width / 2, center - u * width / 6 - n * width * 0.15, center + u * width / 6 - n * width * 0.15,
            center + u * width / 2, center + u * width / 6 + n * width * 0.12, center - u * width / 6 + n * width * 0.12,
        ]
        return EyeGeometry(points: eye[...]).map { EyeWarpField(eye: $0, displacement: displacement) }
    }

    @Test("SIMD and scalar kernels write identical pixels, only inside the field", arguments: [
        (SIMD2<Float>(60, 40), Float(40), Float(0), SIMD2<Float>(6, -2), Float(1)),
        (SIMD2<Float>(61.3, 38.7), Float(33), Float(0.2), SIMD2<Float>(-5, 3), Float(1)),
        (SIMD2<Float>(60, 40), Float(40), Float(-0.15), SIMD2<Float>(7, 1), Float(0.5)),
        (SIMD2<Float>(8, 6), Float(30), Float(0), SIMD2<Float>(-4, 0), Float(1)),  // clipped at the plane's corner
    ])
    func simdMatchesScalar(center: SIMD2<Float>, eyeWidth: Float, roll: Float, displacement: SIMD2<Float>, scale: Float) throws {
        let width = 121, height = 83, stride = 128
        let original = Self.plane(width: width, height: height, stride: stride)
        var simd = original, scalar = original
        let field = try #require(Self.field(center: center, width: eyeWidth, roll: roll, displacement: displacement))
        let warper = EyeWarper()
        simd.withUnsafeMutableBufferPointer { buffer in
            warper.apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: stride), scale: scale, kernel: .simd)
        }
        scalar.withUnsafeMutableBufferPointer { buffer in
            warper.apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: stride), scale: scale, kernel: .scalar)
        }
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

    @Test("a zero displacement changes nothing")
    func zeroDisplacement() throws {
        let width = 96, height = 64
        let original = Self.plane(width: width, height: height, stride: width)
        var bytes = original
        let field = try #require(Self.field(center: SIMD2(48, 32), width: 36, roll: 0.1, displacement: .zero))
        bytes.withUnsafeMutableBufferPointer { buffer in
            EyeWarper().apply(field, to: Plane(base: buffer.baseAddress!, width: width, height: height, stride: width), scale: 1)
        }
        #expect(bytes == original)
    }
}

import Foundation
import GazeTestSupport
import Testing

@testable import GazeEngine

/// Faces are looked for in the picture as the viewer sees it: a phone's portrait recording is stored on its
/// side with a display matrix, and the warp found upright lands on the coded planes.
@Suite("Orientation")
struct OrientationTests {
    @Test("reads the display matrix: phone.mp4 turns a quarter clockwise, rotated.mp4 a quarter counter-clockwise")
    func readsDisplayMatrix() throws {
        for (name, turns) in [("phone.mp4", 1), ("rotated.mp4", 3), ("sideways.mp4", 0), ("v02_small.mp4", 0)] {
            let reader = try MediaReader(path: derivedFixture(name).path)
            #expect(Orientation(stream: reader.videoStream).quarterTurns == turns, "\(name)")
        }
    }

    @Test("the upright copy holds the coded pixel toCoded names, for every turn and a padded stride")
    func uprightCopy() throws {
        let coded = RawLuma(bytes: (0..<15).map { UInt8($0 * 7) }, width: 5, height: 3)
        let upright = UprightLuma()
        // Spelled out once: a quarter clockwise puts the coded left column, read upward, along the top row.
        try coded.withView { view in
            let turned = upright.view(of: view, turnedBy: Orientation(quarterTurns: 1))
            #expect((turned.width, turned.height) == (3, 5))
            #expect((0..<3).map { turned.base[$0] } == [coded.bytes[10], coded.bytes[5], coded.bytes[0]])
        }
        for turns in 0..<4 {
            let orientation = Orientation(quarterTurns: turns)
            try coded.withView(rowPadding: 3) { view in
                let turned = upright.view(of: view, turnedBy: orientation)
                let size = orientation.uprightSize(width: 5, height: 3)
                #expect((turned.width, turned.height) == (size.width, size.height), "turns \(turns)")
                var wrong = 0
                for y in 0..<turned.height {
                    for x in 0..<turned.width {
                        let c = orientation.toCoded(SIMD2(Float(x), Float(y)), width: 5, height: 3)
                        if turned.base[y * turned.stride + x] != coded.bytes[Int(c.y) * 5 + Int(c.x)] { wrong += 1 }
                    }
                }
                #expect(wrong == 0, "turns \(turns): \(wrong) pixels differ")
            }
        }
    }

    @Test("an eye placed on the coded picture covers the pixels the upright eye covers")
    func eyeOnCodedPicture() throws {
        let eye = try #require(DrawnEye.geometry(center: SIMD2(40, 25), width: 30, roll: 0.2))
        for turns in 0..<4 {
            let orientation = Orientation(quarterTurns: turns)
            let coded = orientation.toCoded(eye, width: 64, height: 48)
            for point in [SIMD2<Float>(-0.5, 0), SIMD2(0.5, 0), SIMD2(0.1, -0.2), SIMD2(-0.3, 0.15)] {
                let expected = orientation.toCoded(eye.toImage(point), width: 64, height: 48)
                let distance = ((coded.toImage(point) - expected) * (coded.toImage(point) - expected)).sum().squareRoot()
                #expect(distance < 1e-3, "turns \(turns), eye point \(point): off by \(distance) px")
            }
        }
    }

    @Test("a phone's portrait video: faces found only thanks to its tag, placed on the coded picture, gaze corrected")
    func phoneVideo() async throws {
        let phone = try derivedFixture("phone.mp4")
        let tagged = try await analyses(of: phone)
        let untagged = try await analyses(of: derivedFixture("sideways.mp4"))
        let found = tagged.filter { !$0.faces.isEmpty }.count
        #expect(found * 10 >= tagged.count * 9, "a face in \(found) of \(tagged.count) frames")
        // The same pixels without the tag: the face lies on its side and is not found.
        let foundUntagged = untagged.filter { !$0.faces.isEmpty }.count
        #expect(foundUntagged * 10 <= untagged.count, "untagged: a face in \(foundUntagged) of \(untagged.count) frames")

        // Positions are the coded picture's (640×360): the eyes of a face on its side sit one above the other.
        for frame in tagged {
            for face in frame.faces {
                let irises = face.irisCenters.compactMap { $0 }
                #expect(irises.allSatisfy { (0..<640).contains($0[0]) && (0..<360).contains($0[1]) }, "frame \(frame.index): \(irises)")
                if irises.count == 2 {
                    let dx = abs(irises[0][0] - irises[1][0]), dy = abs(irises[0][1] - irises[1][1])
                    #expect(dy > 2 * dx, "frame \(frame.index): irises \(irises)")
                }
            }
        }

        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("phone.mp4")
        try await sharedEngine().process(input: .file(phone.path), output: .file(output.path),
                                         options: GazeOptions(encoder: .init(crf: 10, preset: "ultrafast")))
        let before = try #require(median(mainFaceOffsets(tagged)))
        let after = try #require(median(mainFaceOffsets(try await analyses(of: output))), "no gaze measured in the output")
        #expect(after < before * 0.8, "median |gaze x|: input \(before), output \(after)")
    }

    @Test("the overlay's weight bar sits above each face as the viewer sees a rotation-tagged video")
    func overlayOnPhoneVideo() async throws {
        let phone = try derivedFixture("phone.mp4")
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let overlay = folder.appendingPathComponent("overlay.mp4"), plain = folder.appendingPathComponent("plain.mp4")
        for (url, preview) in [(overlay, PreviewMode.overlay), (plain, nil)] {
            try await sharedEngine().process(input: .file(phone.path), output: .file(url.path), options: GazeOptions(
                correction: .init(intensity: 1), encoder: .init(crf: 0, preset: "ultrafast"), preview: preview))
        }
        // ffmpeg turns the frames upright as it decodes (360×640); the analysis is in coded pixels (640×360),
        // where coded (x, y) shows at upright (359 − y, x).
        let shown = try await lumaFrames(overlay, width: 360, height: 640)
        let reference = try await lumaFrames(plain, width: 360, height: 640)
        let found = try await analyses(of: phone)
        let (drawn, outside) = overlayPixels(shown, over: reference, faces: found, width: 360, height: 640) { face in
            (359 - Int(face.box[3]), Int(face.box[0]), 359 - Int(face.box[1]), Int(face.box[2]))
        }
        #expect(drawn > 0, "nothing was drawn")
        #expect(outside == 0, "\(outside) pixels drawn away from every face as shown (the bar beside the face?)")
    }
}

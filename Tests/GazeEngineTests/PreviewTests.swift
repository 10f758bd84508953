import Foundation
import GazeEngine
import GazeTestSupport
import Testing

/// `--preview`: split shows the input beside the output; overlay draws on the output.
@Suite(.serialized) struct PreviewTests {
    let input: URL
    let folder: URL
    let width: Int, height: Int

    init() async throws {
        input = try derivedFixture("v02_small.mp4")
        folder = try makeTemporaryFolder()
        guard let video = try await probe(input).video, let width = video.width, let height = video.height else {
            throw TestMediaError(description: "no picture size for the fixture")
        }
        (self.width, self.height) = (width, height)
    }

    private func run(_ preview: PreviewMode?) async throws -> URL {
        let output = folder.appendingPathComponent("\(preview?.rawValue ?? "plain").mp4")
        let options = GazeOptions(correction: .init(intensity: 1), encoder: .init(crf: 0, preset: "ultrafast"), preview: preview)
        try await sharedEngine().process(input: .file(input.path), output: .file(output.path), options: options)
        return output
    }

    @Test func splitShowsTheInputOnTheLeftAndTheOutputOnTheRight() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let split = try await lumaFrames(try await run(.split), width: 2 * width, height: height)
        let before = try await lumaFrames(input, width: width, height: height)
        let after = try await lumaFrames(try await run(nil), width: width, height: height)
        #expect(split.count == before.count && after.count == before.count)
        var leftMismatches = 0, rightMismatches = 0, corrected = 0
        for (index, frame) in split.enumerated() where index < before.count {
            for row in 0..<height {
                let line = row * 2 * width
                if Array(frame[line..<line + width]) != Array(before[index][row * width..<(row + 1) * width]) { leftMismatches += 1 }
                if Array(frame[line + width..<line + 2 * width]) != Array(after[index][row * width..<(row + 1) * width]) { rightMismatches += 1 }
            }
            if before[index] != after[index] { corrected += 1 }
        }
        #expect(leftMismatches == 0, "rows of the left half that differ from the input")
        #expect(rightMismatches == 0, "rows of the right half that differ from the plain output")
        #expect(corrected > 0, "the plain output should differ from the input somewhere")
    }

    @Test func overlayDrawsOnTheOutputNearTheFacesOnly() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let overlay = try await lumaFrames(try await run(.overlay), width: width, height: height)
        let plain = try await lumaFrames(try await run(nil), width: width, height: height)
        let found = try await analyses(of: input)
        #expect(overlay.count == plain.count)
        let (drawn, outside) = overlayPixels(overlay, over: plain, faces: found, width: width, height: height) { face in
            (Int(face.box[0]), Int(face.box[1]), Int(face.box[2]), Int(face.box[3]))
        }
        #expect(drawn > 0, "nothing was drawn")
        #expect(outside == 0, "pixels drawn away from every face")
    }
}

/// Pixels where each `shown` frame differs from `reference`: inside the frame's face boxes (as `box` places a
/// face on the shown picture: left, top, right, bottom), widened 8 px and 40 px upward for the weight bar,
/// and everywhere else.
func overlayPixels(_ shown: [[UInt8]], over reference: [[UInt8]], faces: [FrameAnalysis], width: Int, height: Int,
                   box: (FaceAnalysis) -> (Int, Int, Int, Int)) -> (drawn: Int, outside: Int) {
    var drawn = 0, outside = 0
    for (index, frame) in shown.enumerated() where index < reference.count && index < faces.count {
        var allowed = [Bool](repeating: false, count: width * height)
        for face in faces[index].faces where face.box.count == 4 {
            let (left, top, right, bottom) = box(face)
            let x0 = max(0, left - 8), x1 = min(width - 1, right + 8)
            let y0 = max(0, top - 40), y1 = min(height - 1, bottom + 8)
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 { for x in x0...x1 { allowed[y * width + x] = true } }
        }
        for i in 0..<(width * height) where frame[i] != reference[index][i] {
            if allowed[i] { drawn += 1 } else { outside += 1 }
        }
    }
    return (drawn, outside)
}

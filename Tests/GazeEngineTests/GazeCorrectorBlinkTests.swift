import Testing

@testable import GazeEngine

/// The blink gate as the corrector applies it, on the drawn faces of `GazeCorrectorTests`: blinks, lids held low,
/// blinks the lid landmarks miss, and a face first seen mid-blink or nearly shut.
extension GazeCorrectorTests {
    @Test("closing lids stop the warp within a few frames, and it comes back gradually after")
    func blink() throws {
        var corrector = GazeCorrector()
        let open = try Face(iris: SIMD2(0.1, -0.05))
        let shut = try Face(iris: SIMD2(0.1, -0.05), lids: (0.02, 0.02))
        let before = try Self.run(&corrector, open, frames: 30)
        #expect(before.analysis.gateWeight > 0.95)
        let during = try Self.run(&corrector, shut, frames: 3, from: 30)
        #expect(during.analysis.blinking)
        #expect(during.fields.isEmpty, "a shut eye must not be warped")
        let reopened = try Self.run(&corrector, open, frames: 2, from: 33)
        #expect(reopened.analysis.gateWeight > 0 && reopened.analysis.gateWeight < 0.5, "the weight ramps back up, it does not snap")
    }

    @Test("lids lowered and held there, as over notes below the camera, count as a blink only at first")
    func loweredLids() throws {
        var corrector = GazeCorrector()
        // Openness 0.27, then 0.17: 63 % of it, where a falling lid takes most of the correction away.
        let open = try Face(iris: SIMD2(0.08, -0.05)), lowered = try Face(iris: SIMD2(0.08, -0.05), lids: (0.08, 0.09))
        _ = try Self.run(&corrector, open, frames: 30)
        let dropped = try Self.run(&corrector, lowered, frames: 6, from: 30)
        #expect(dropped.analysis.gateWeight < 0.5, "weight \(dropped.analysis.gateWeight) just after the lids fell")
        let held = try Self.run(&corrector, lowered, frames: 45, from: 36)
        #expect(held.analysis.gateWeight > 0.85, "weight \(held.analysis.gateWeight) after the lids stayed low 1.7 s")
    }

    @Test("seeing ahead, lids lowered for two seconds keep the correction from their first frame")
    func loweredLidsAhead() throws {
        let open = try Face(iris: SIMD2(0.08, -0.05)), lowered = try Face(iris: SIMD2(0.08, -0.05), lids: (0.08, 0.09))
        let results = try Self.play(Array(repeating: open, count: 30) + Array(repeating: lowered, count: 60) + Array(repeating: open, count: 30))
        let weights = results.map(\.analysis.gateWeight)
        #expect(weights[29] > 0.95)
        #expect(weights.min() ?? 0 > 0.9, "weight fell to \(weights.min() ?? 0) at frame \(weights.firstIndex(of: weights.min() ?? 0) ?? -1)")
        #expect(!results.contains { $0.analysis.blinking })
    }

    @Test("seeing ahead, a blink has taken the correction away before the lids are half closed, and it returns gradually")
    func blinkAhead() throws {
        let open = try Face(iris: SIMD2(0.1, -0.05))
        // Closing over four frames, shut for two, open again over two (lids as shares of their open distance).
        let shares: [Float] = [0.8, 0.6, 0.4, 0.2, 0.1, 0.1, 0.4, 0.7]
        let blink = try shares.map { try Face(iris: SIMD2(0.1, -0.05), lids: (0.15 * $0, 0.12 * $0)) }
        let results = try Self.play(Array(repeating: open, count: 30) + blink + Array(repeating: open, count: 20))
        #expect(results[28].analysis.gateWeight > 0.5, "the correction is not taken away long before the blink")
        let halfClosed = try 30 + #require(shares.firstIndex { $0 <= 0.5 })
        for frame in halfClosed..<(30 + 6) {
            #expect(results[frame].fields.isEmpty, "frame \(frame): weight \(results[frame].analysis.gateWeight)")
            #expect(results[frame].analysis.blinking)
        }
        #expect(!results[29].analysis.blinking, "the frame before the blink is reported open, though its weight falls")
        let reopened = results[38...40].map(\.analysis.gateWeight)
        #expect(reopened.allSatisfy { $0 < 0.6 } && reopened == reopened.sorted(), "weights \(reopened) after the blink: ramped, not snapped")
        #expect(results.last?.analysis.gateWeight ?? 0 > 0.95)
    }

    @Test("a blink the lid landmarks miss (as behind glasses) is seen in the pixels: the correction is gone while the eyes are shut")
    func blinkLandmarksMiss() throws {
        let open = try Face(iris: SIMD2(0.1, -0.05))
        // The lids drawn closing, shut (skin and a line of lashes) and reopening, while the landmarks stay where
        // the open lids were.
        var shut = open
        shut.picture = try DrawnEye.shut(open.picture, width: Self.width, eyes: [SIMD2(110, 100), SIMD2(210, 100)].map { center in
            try #require(DrawnEye.geometry(center: center, width: Self.eyeWidth))
        })
        let drawn = try [Float(0.6), 0.4].map { try Face(iris: SIMD2(0.1, -0.05), lids: (0.15 * $0, 0.12 * $0)) }
        let blink = (drawn + [shut, shut, shut] + drawn.reversed()).map { face in
            var missed = face
            missed.landmarks = open.landmarks
            return missed
        }
        let results = try Self.play(Array(repeating: open, count: 30) + blink + Array(repeating: open, count: 20))
        for frame in (30 + 2)..<(30 + 5) {
            #expect(results[frame].fields.isEmpty, "frame \(frame): weight \(results[frame].analysis.gateWeight)")
            #expect(results[frame].analysis.blinking)
            #expect(results[frame].analysis.irisBand ?? 1 < 0.1, "band \(results[frame].analysis.irisBand ?? -1) over shut lids")
        }
        #expect(abs((results[25].analysis.irisBand ?? 0) - 0.27) <= 0.05, "band \(results[25].analysis.irisBand ?? -1) under open lids 0.27 apart")
        #expect(results[25].analysis.gateWeight > 0.95 && results.last?.analysis.gateWeight ?? 0 > 0.95)
    }

    @Test("a band narrowed halfway for a moment, as by lids closing behind glasses, takes the vertical move away first; held there, it keeps it")
    func narrowedBandStopsVerticalMove() throws {
        // A gaze a little low, so that it is raised; then the lids drawn at 0.4 of their opening (the band over the
        // irises at 0.46 of its usual height) while their landmarks stay open (missed, as behind glasses), for four
        // frames or for two seconds.
        let open = try Face(iris: SIMD2(0.1, -0.03))
        var narrowed = try Face(iris: SIMD2(0.1, -0.03), lids: (0.15 * 0.4, 0.12 * 0.4))
        narrowed.landmarks = open.landmarks
        let brief = try Self.play(Array(repeating: open, count: 30) + Array(repeating: narrowed, count: 4) + Array(repeating: open, count: 20))
        let before = try #require(brief[25].fields.first?.shift)
        #expect(before.y < -0.02, "the low gaze is raised: \(before)")
        for frame in 30..<34 {
            let shift = try #require(brief[frame].fields.first?.shift, "frame \(frame) lost its sideways move too")
            #expect(abs(shift.y) < 0.1 * abs(before.y), "frame \(frame): vertical move \(shift.y) of \(before.y)")
            #expect(abs(shift.x) > 0.15 * abs(before.x), "frame \(frame): sideways move \(shift.x) of \(before.x)")
        }
        let held = try Self.play(Array(repeating: open, count: 30) + Array(repeating: narrowed, count: 60) + Array(repeating: open, count: 20))
        for frame in [31, 60, 89] {
            let shift = try #require(held[frame].fields.first?.shift)
            #expect(shift.y < 0.5 * before.y, "frame \(frame) of lids held low: vertical move \(shift.y) of \(before.y)")
        }
    }

    @Test("each measure tells blinks from held lids on its own: a blink of the lids inside a long narrowing of the band is still a blink")
    func blinkWithinHeldBand() throws {
        let open = try Face(iris: SIMD2(0.1, -0.05))
        // The band over the irises held at under half its usual height for two seconds (the lids drawn narrower
        // than their landmarks say), and halfway through, lids and landmarks blink — shallowly, as dlib often
        // follows one, its lids staying open enough that, judged with the band's long run, they would count as
        // held low rather than blinking.
        var narrowed = try Face(iris: SIMD2(0.1, -0.05), lids: (0.15 * 0.45, 0.12 * 0.45))
        narrowed.landmarks = open.landmarks
        let shares: [Float] = [0.75, 0.6, 0.57, 0.57, 0.6, 0.75]
        let blink = try shares.map { try Face(iris: SIMD2(0.1, -0.05), lids: (0.15 * $0, 0.12 * $0)) }
        let faces = Array(repeating: open, count: 30) + Array(repeating: narrowed, count: 30) + blink
            + Array(repeating: narrowed, count: 30) + Array(repeating: open, count: 20)
        let results = try Self.play(faces)
        let held = results[40...55].map(\.analysis.gateWeight)
        #expect(held.allSatisfy { $0 > 0.9 }, "a band held low is not a blink: weights \(held)")
        for frame in (60 + 2)..<(60 + 4) {
            #expect(results[frame].analysis.gateWeight < 0.1, "frame \(frame), lids \(shares[frame - 60]) open: weight \(results[frame].analysis.gateWeight)")
        }
    }

    @Test("a face first seen mid-blink: its usual opening is read from the frames ahead, so the closing eyes there are not warped")
    func firstSeenMidBlink() throws {
        let open = try Face(iris: SIMD2(0.1, -0.05))
        // The video starts with the lids about a third open and closing further, then opening again (lids as
        // shares of their open distance); the landmarks follow the lids.
        let shares: [Float] = [0.35, 0.3, 0.3, 0.25, 0.3, 0.5, 0.8]
        let blink = try shares.map { try Face(iris: SIMD2(0.1, -0.05), lids: (0.15 * $0, 0.12 * $0)) }
        let results = try Self.play(blink + Array(repeating: open, count: 40))
        for frame in 0..<5 {
            #expect(results[frame].fields.isEmpty, "frame \(frame), lids \(shares[frame]) open: weight \(results[frame].analysis.gateWeight)")
            #expect(results[frame].analysis.blinking, "frame \(frame)")
        }
        #expect(results.last?.analysis.gateWeight ?? 0 > 0.95)
    }

    @Test("a face first seen with its eyes nearly shut for longer than the frames held ahead is left alone until they open")
    func firstSeenNearlyShut() throws {
        let open = try Face(iris: SIMD2(0.1, -0.05))
        // 0.4 of the open lids' distance (openness 0.11, lashes and a sliver of iris) for a second and a half:
        // longer than the look-ahead, so every frame the gate sees at first is as shut as this one.
        let nearlyShut = try Face(iris: SIMD2(0.1, -0.05), lids: (0.15 * 0.4, 0.12 * 0.4))
        let results = try Self.play(Array(repeating: nearlyShut, count: 45) + Array(repeating: open, count: 60))
        for frame in 0..<45 {
            #expect(results[frame].analysis.gateWeight < 0.2, "frame \(frame): weight \(results[frame].analysis.gateWeight) on nearly shut eyes")
        }
        #expect(results.last?.analysis.gateWeight ?? 0 > 0.95, "the correction comes once the eyes open")
    }

    @Test("narrow eyes that are open are corrected from the first frame")
    func firstSeenNarrow() throws {
        // 0.6 of the usual drawn opening (openness 0.16) throughout.
        let narrow = try Face(iris: SIMD2(0.1, -0.05), lids: (0.15 * 0.6, 0.12 * 0.6))
        let weights = try Self.play(Array(repeating: narrow, count: 60)).map(\.analysis.gateWeight)
        #expect(weights.allSatisfy { $0 > 0.95 }, "weights \(weights.map { ($0 * 100).rounded() / 100 })")
    }
}

import Testing

@testable import GazeEngine

/// The iris locator on drawn eyes, where the true centre is known.
@Suite("Iris locator")
struct IrisLocatorTests {
    static func locate(iris: SIMD2<Float>, highlight: SIMD2<Float>? = nil, shaded: Bool = false, lids: (up: Float, down: Float) = (0.15, 0.12),
                       eyeWidth: Float = 80, irisLevel: UInt8 = 70, pupilRadius: Float = DrawnEye.pupilRadius) throws -> IrisEstimate? {
        let width = 160, height = 100
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: eyeWidth, roll: 0.08, lids: lids))
        let bytes = DrawnEye.picture(width: width, height: height, eye: eye, iris: iris, highlight: highlight, shaded: shaded,
                                     irisLevel: irisLevel, pupilRadius: pupilRadius)
        return try RawLuma(bytes: bytes, width: width, height: height).withView { IrisLocator().locate(in: $0, eye: eye) }
    }

    @Test("finds the iris centre along the eye to within 0.005 eye widths (0.4 px on this 80 px eye)", arguments: [Float(-0.15), -0.05, 0, 0.08, 0.16])
    func alongTheAxis(u: Float) throws {
        let found = try #require(try Self.locate(iris: SIMD2(u, -0.04)))
        #expect(abs(found.center.x - u) < 0.005, "found \(found.center.x), drawn at \(u)")
        #expect(abs(found.center.y + 0.04) < 0.06)
        #expect(found.confidence > 0.5)
    }

    @Test("a specular highlight and the lid's shadow on the iris do not pull the centre away from it", arguments: [Float(-0.1), 0.1])
    func highlight(u: Float) throws {
        // The reflection sits up and to one side, as a window or ring light makes it.
        let found = try #require(try Self.locate(iris: SIMD2(u, -0.03), highlight: SIMD2(u + 0.09, -0.08), shaded: true))
        #expect(abs(found.center.x - u) < 0.005, "found \(found.center.x), drawn at \(u)")
    }

    @Test("a light iris, whose wide pupil's edge is a sharper step than its rim, is centred by its rim",
          arguments: [UInt8(140), 170], [Float(-0.16), -0.05, 0.05, 0.16])
    func lightIris(level: UInt8, u: Float) throws {
        // Grey-blue iris (luma 140–170 against sclera 230) around a pupil 0.55 of its radius: the pupil's edge
        // is a 115–145 step, the rim a 60–90 one.
        let found = try #require(try Self.locate(iris: SIMD2(u, -0.03), eyeWidth: 60, irisLevel: level, pupilRadius: 0.11))
        #expect(abs(found.center.x - u) < 0.006, "found \(found.center.x), drawn at \(u)")
    }

    @Test("lids that hide the top and bottom of the iris still leave its horizontal centre")
    func narrowOpening() throws {
        let found = try #require(try Self.locate(iris: SIMD2(0.12, 0), lids: (0.1, 0.08)))
        #expect(abs(found.center.x - 0.12) < 0.025, "found \(found.center.x)")
    }

    @Test("the dark band through the iris is as tall as the lids' opening over it, and only a sliver when the lids close behind open landmarks")
    func bandHeight() throws {
        let open = try #require(try Self.locate(iris: SIMD2(0.05, 0)))
        let openBand = try #require(open.height)
        #expect(abs(openBand - 0.27) <= 0.05, "band \(openBand) under lids 0.27 apart")
        // The eye drawn shut (skin and lashes) while its landmarks say open, as dlib's do through a blink behind glasses.
        let width = 160, height = 100
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: 80, roll: 0.08))
        let picture = DrawnEye.picture(width: width, height: height, eye: eye, iris: SIMD2(0.05, 0))
        let shut = DrawnEye.shut(picture, width: width, eyes: [eye])
        let found = try RawLuma(bytes: shut, width: width, height: height).withView { IrisLocator().locate(in: $0, eye: eye) }
        let band = try #require(found?.height)
        #expect(band <= 0.1, "band \(band) over lashes 0.05 thick")
    }

    @Test("an eye with no iris in it gives no estimate or a low-confidence one")
    func noIris() throws {
        let width = 160, height = 100
        let eye = try #require(DrawnEye.geometry(center: SIMD2(80, 50), width: 80))
        let blank = RawLuma(bytes: [UInt8](repeating: 200, count: width * height), width: width, height: height)
        let found = try blank.withView { IrisLocator().locate(in: $0, eye: eye) }
        #expect(found == nil || found!.confidence < 0.15)
    }
}

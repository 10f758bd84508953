import Foundation
import GazeEngine
import GazeTestSupport
import Testing

/// `probe(file:)`: what a job service checks before it queues a job.
struct ProbeTests {
    let engine: GazeEngine

    init() throws {
        engine = try GazeEngine(configuration: .init(preloadModel: false))
    }

    @Test func aVideoIsDescribed() async throws {
        let info = try await engine.probe(file: try derivedFixture("v02_small.mp4").path)
        #expect(info.width == 640 && info.height == 360)
        #expect(abs(info.duration - 2) < 0.1)
        #expect(info.hasAudio)
        let silent = try await engine.probe(file: try derivedFixture("vp9.webm").path)
        #expect(silent.width > 0)
    }

    @Test(arguments: ["text.mp4", "empty.mp4", "truncated.mp4", "audio_only.m4a"])
    func whatIsNotADecodableVideoIsAnInvalidSource(name: String) async throws {
        let error = await #expect(throws: GazeError.self) { try await engine.probe(file: try derivedFixture(name).path) }
        #expect(error?.code == .invalidSource)
    }

    @Test func limitsAreApplied() async throws {
        let small = try GazeEngine(configuration: .init(limits: .init(maxWidth: 320), preloadModel: false))
        let error = await #expect(throws: GazeError.self) { try await small.probe(file: try derivedFixture("v02_small.mp4").path) }
        #expect(error?.code == .unsupportedMedia)
    }
}

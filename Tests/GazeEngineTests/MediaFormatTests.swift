import Foundation
import GazeTestSupport
import Testing

@testable import GazeEngine

/// Every derived codec / pixel format / container / tag variant goes through the engine into MP4, H.264,
/// yuv420p with the same frames and size; the variants with something special to keep are checked for it.
@Suite("Media formats")
struct MediaFormatTests {
    static let variants = [
        "hevc.mkv", "vp9.webm", "av1.mkv", "mpeg4.avi", "yuv10.mkv", "yuv422.mp4", "yuv444.mp4", "yuvj.mp4",
        "odd.mp4", "rotated.mp4", "vfr.mp4", "pcm_audio.mov", "opus.mkv", "bt709_tags.mp4", "sar.mp4",
    ]

    @Test("processes into MP4 / H.264 / yuv420p with the input's frame count and size", arguments: variants)
    func variant(_ name: String) async throws {
        let input = try derivedFixture(name)
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.mp4")

        let summary = try await sharedEngine().process(input: .file(input.path), output: .file(output.path),
                                                       options: GazeOptions(encoder: .init(preset: "ultrafast")))

        let inProbe = try await probe(input), outProbe = try await probe(output)
        let inVideo = try #require(inProbe.video), outVideo = try #require(outProbe.video, "no video in the output")
        #expect(try topLevelBoxes(output).first == "ftyp")
        #expect(["isom", "mp41", "mp42", "iso2"].contains(outProbe.majorBrand ?? ""), "brand \(outProbe.majorBrand ?? "-")")
        #expect(outVideo.codecName == "h264")
        // FFmpeg's H.264 decoder reports full-range 4:2:0 as "yuvj420p": the same samples, tagged full range.
        #expect(outVideo.pixFmt == "yuv420p" || (outVideo.pixFmt == "yuvj420p" && outVideo.colorRange == "pc"),
                "pixel format \(outVideo.pixFmt ?? "?")")
        // 4:2:0 H.264 cannot code odd sides: those are padded by one pixel, nothing is cropped.
        let even = { (side: Int?) in side.map { ($0 + 1) & ~1 } }
        #expect(outVideo.width == even(inVideo.width) && outVideo.height == even(inVideo.height),
                "size \(outVideo.width ?? 0)x\(outVideo.height ?? 0), input \(inVideo.width ?? 0)x\(inVideo.height ?? 0)")
        let inTimes = try await videoFrameTimes(input), outFrames = try await videoFrameMD5s(output)
        #expect(outFrames.count == inTimes.count, "decoded frames: output \(outFrames.count), input \(inTimes.count)")
        #expect(summary.frames == inTimes.count, "summary frames \(summary.frames), input \(inTimes.count)")

        switch name {
        case "rotated.mp4":
            // The display matrix (rotation 90) survives, so players turn the result as they turned the input.
            let rotation = { (stream: Probe.Stream?) in
                stream?.sideDataList?.first { $0.sideDataType == "Display Matrix" }?.rotation
            }
            #expect(rotation(inVideo) == 90, "the fixture itself should carry rotation 90")
            #expect(rotation(outVideo) == 90, "output side data: \(String(describing: outVideo.sideDataList))")
        case "vfr.mp4":
            // Every frame keeps its own presentation time: the 20/33/50 ms rhythm is not regularised.
            expectSameTimes(try await videoFrameTimes(output), inTimes, tolerance: 0.001)
        case "pcm_audio.mov":
            // MP4 cannot carry PCM: converted to AAC with the same rate, channels and duration.
            let inAudio = try #require(inProbe.audio), outAudio = try #require(outProbe.audio, "the audio was dropped")
            #expect(outAudio.codecName == "aac")
            #expect(outAudio.sampleRate == inAudio.sampleRate)
            #expect(outAudio.channels == inAudio.channels)
            let inDuration = try #require(inAudio.duration.flatMap(Double.init) ?? inProbe.format?.duration.flatMap(Double.init))
            let outDuration = try #require(outAudio.duration.flatMap(Double.init))
            #expect(abs(outDuration - inDuration) <= 0.05, "audio duration \(outDuration) s vs \(inDuration) s")
        case "opus.mkv":
            // MP4 can carry Opus: copied, packet for packet (payloads compared; the time bases differ).
            #expect(outProbe.audio?.codecName == "opus")
            let inPackets = try await audioPacketPayloads(input), outPackets = try await audioPacketPayloads(output)
            #expect(!inPackets.isEmpty)
            #expect(outPackets == inPackets, "\(outPackets.count) packets vs \(inPackets.count)")
        case "bt709_tags.mp4":
            #expect(outVideo.colorPrimaries == "bt709")
            #expect(outVideo.colorTransfer == "bt709")
            #expect(outVideo.colorSpace == "bt709")
            #expect(outVideo.colorRange == "tv")
        case "yuvj.mp4":
            // Full-range input stays full range (not squeezed into, or mislabelled as, tv range).
            #expect(inVideo.colorRange == "pc", "the fixture should report range pc")
            #expect(outVideo.colorRange == inVideo.colorRange, "range \(outVideo.colorRange ?? "?")")
        case "sar.mp4":
            #expect(outVideo.sampleAspectRatio == "4:3", "sample aspect ratio \(outVideo.sampleAspectRatio ?? "?")")
        case "odd.mp4":
            #expect(inVideo.width == 479 && inVideo.height == 271, "the fixture should be 479x271")
            #expect(outVideo.width == 480 && outVideo.height == 272)
            #expect(outVideo.sampleAspectRatio == nil || outVideo.sampleAspectRatio == "1:1")
        default:
            break
        }
    }
}

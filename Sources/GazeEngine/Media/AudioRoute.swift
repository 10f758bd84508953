import CFFmpeg

/// Carries the first audio stream into the output: copied packet for packet when MP4 can hold its codec,
/// else transcoded to AAC by `AudioTranscoder`.
protocol AudioRoute: AnyObject {
    var inputIndex: Int32 { get }
    func write(_ packet: Packet, to writer: MediaWriter) throws(GazeError)
    func finish(writer: MediaWriter) throws(GazeError)
}

/// Picks copy or transcode for `stream`.
func makeAudioRoute(for stream: UnsafeMutablePointer<AVStream>, writer: MediaWriter) throws(GazeError) -> any AudioRoute {
    if writer.canHold(stream.pointee.codecpar.pointee.codec_id) {
        return try AudioCopy(stream: stream, writer: writer)
    }
    return try AudioTranscoder(stream: stream, writer: writer)
}

/// Remuxes audio packets unchanged: no generation loss, no CPU.
final class AudioCopy: AudioRoute {
    let inputIndex: Int32
    private let inputTimeBase: AVRational
    private let output: UnsafeMutablePointer<AVStream>

    init(stream: UnsafeMutablePointer<AVStream>, writer: MediaWriter) throws(GazeError) {
        inputIndex = stream.pointee.index
        inputTimeBase = stream.pointee.time_base
        output = try writer.addCopiedStream(from: stream)
    }

    func write(_ packet: Packet, to writer: MediaWriter) throws(GazeError) {
        packet.pointer.pointee.pos = -1
        try writer.write(packet, from: inputTimeBase, to: output)
    }

    func finish(writer: MediaWriter) throws(GazeError) {}
}

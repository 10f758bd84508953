import CFFmpeg

/// What a source is, learned by opening it and decoding its first picture.
public struct MediaInfo: Sendable, Equatable, Codable {
    public var width: Int
    public var height: Int
    /// Seconds, from the container (or the video stream when the container does not say).
    public var duration: Double
    public var hasAudio: Bool
}

/// Checks that a file is a video the engine will take, before a job is queued for it.
///
/// Opening the container alone lets through files whose first packets do not decode (a truncated
/// download, a stream with a missing decoder), so the probe decodes one picture as well.
struct MediaProbe {
    /// Packets read looking for the first picture before the source is judged undecodable.
    static let packetBudget = 500

    static func probe(path: String, limits: EngineLimits) throws(GazeError) -> MediaInfo {
        let reader = try MediaReader(path: path)
        let stream = reader.videoStream
        guard let parameters = stream.pointee.codecpar else { throw .invalidSource("The video stream has no codec parameters.") }
        let info = MediaInfo(width: Int(parameters.pointee.width), height: Int(parameters.pointee.height),
                             duration: reader.durationSeconds, hasAudio: reader.audioStream != nil)
        try limits.check(width: info.width, height: info.height, duration: info.duration)

        let decoder = try VideoDecoder(stream: stream)
        let packet = try Packet.allocate(), frame = try Frame.allocate()
        for _ in 0..<packetBudget {
            let more = try reader.read(into: packet)
            defer { packet.unref() }
            if more, packet.streamIndex != stream.pointee.index { continue }
            try decoder.send(more ? packet : nil)
            if try decoder.receive(into: frame) == .ready {
                frame.unref()
                return info
            }
            if !more { break }
        }
        throw .invalidSource("The video could not be decoded (no picture in its first \(packetBudget) packets).")
    }
}

import CFFmpeg

/// Decodes the video stream's packets into frames, multithreaded by libavcodec.
final class VideoDecoder {
    private let codec: CodecContext
    let streamIndex: Int32
    let timeBase: AVRational

    init(stream: UnsafeMutablePointer<AVStream>) throws(GazeError) {
        guard let parameters = stream.pointee.codecpar else { throw .invalidSource("The video stream has no codec parameters.") }
        guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw .unsupportedMedia("The video codec \(name) cannot be decoded here.")
        }
        do {
            codec = try CodecContext(codec: decoder)
            try check(avcodec_parameters_to_context(codec.pointer, parameters), "avcodec_parameters_to_context")
            codec.pointer.pointee.pkt_timebase = stream.pointee.time_base
            codec.pointer.pointee.thread_count = 0  // one per core, chosen by libavcodec
            try check(avcodec_open2(codec.pointer, decoder, nil), "avcodec_open2")
        } catch {
            throw .invalidSource("The video stream could not be decoded (\(error)).")
        }
        streamIndex = stream.pointee.index
        timeBase = stream.pointee.time_base
    }

    /// Sends one packet, or `nil` to start draining.
    ///
    /// Corrupt packets are tolerated as FFmpeg's own tools do (the decoder conceals them); only a
    /// failure of the decoder itself is thrown.
    func send(_ packet: Packet?) throws(GazeError) {
        let result = avcodec_send_packet(codec.pointer, packet?.pointer)
        if result < 0, result != GAZE_AVERROR_INVALIDDATA, result != GAZE_AVERROR_EOF {
            throw .invalidSource("The video could not be decoded (\(FFmpegError(code: result, function: "avcodec_send_packet"))).")
        }
    }

    /// Receives the next decoded frame into `frame`.
    func receive(into frame: Frame) throws(GazeError) -> CodecResult {
        do {
            return try codecResult(avcodec_receive_frame(codec.pointer, frame.pointer), "avcodec_receive_frame")
        } catch {
            throw .invalidSource("The video could not be decoded (\(error)).")
        }
    }
}

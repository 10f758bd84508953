import CFFmpeg

/// Demuxes one input file: the chosen video stream, the first audio stream, and their packets in file order.
final class MediaReader {
    private var context: UnsafeMutablePointer<AVFormatContext>?
    let videoStream: UnsafeMutablePointer<AVStream>
    let audioStream: UnsafeMutablePointer<AVStream>?

    /// Opens and probes `path`, mapping what a person could have done wrong to `invalid_source`.
    init(path: String) throws(GazeError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        let opened = avformat_open_input(&context, path, nil, nil)
        guard opened >= 0, let context else {
            throw MediaReader.openError(opened)
        }
        self.context = context
        do {
            try check(avformat_find_stream_info(context, nil), "avformat_find_stream_info")
        } catch {
            avformat_close_input(&self.context)
            throw .invalidSource("The source could not be read as a video (\(error)).")
        }
        let videoIndex = av_find_best_stream(context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard videoIndex >= 0, let video = context.pointee.streams[Int(videoIndex)] else {
            avformat_close_input(&self.context)
            throw .invalidSource("The source has no video stream.")
        }
        videoStream = video
        var audio: UnsafeMutablePointer<AVStream>?
        for index in 0..<Int(context.pointee.nb_streams) {
            if let stream = context.pointee.streams[index], stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO {
                audio = stream
                break
            }
        }
        audioStream = audio
        // Packets of streams we neither decode nor copy are dropped by the demuxer itself.
        for index in 0..<Int(context.pointee.nb_streams) {
            if let stream = context.pointee.streams[index], stream != video, stream != audio {
                stream.pointee.discard = AVDISCARD_ALL
            }
        }
    }

    deinit { avformat_close_input(&context) }

    private static func openError(_ code: Int32) -> GazeError {
        switch code {
        case gaze_averror(ENOENT): return .invalidSource("The source file does not exist.")
        case gaze_averror(EACCES): return .invalidSource("The source file cannot be read (permission denied).")
        case GAZE_AVERROR_INVALIDDATA: return .invalidSource("The source is not a video file (its format was not recognised).")
        default: return .invalidSource("The source could not be opened (\(FFmpegError(code: code, function: "avformat_open_input"))).")
        }
    }

    /// Container duration in seconds, or the video stream's when the container does not say.
    var durationSeconds: Double {
        guard let context else { return 0 }
        if context.pointee.duration > 0 { return Double(context.pointee.duration) / Double(GAZE_AV_TIME_BASE) }
        let stream = videoStream.pointee
        guard stream.duration > 0 else { return 0 }
        return Double(stream.duration) * av_q2d(stream.time_base)
    }

    /// Reads the next packet of a kept stream into `packet`; `false` at end of file.
    ///
    /// A read error other than end of file is an error, never silently the end of the video.
    func read(into packet: Packet) throws(GazeError) -> Bool {
        let result = av_read_frame(context, packet.pointer)
        if result == GAZE_AVERROR_EOF { return false }
        if result < 0 {
            throw .invalidSource("The source could not be read to the end (\(FFmpegError(code: result, function: "av_read_frame"))).")
        }
        return true
    }
}

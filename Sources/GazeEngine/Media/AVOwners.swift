import CFFmpeg

/// Owns one `AVFrame`; the frame's buffers are reference counted by libavutil and released by `unref()`.
///
/// Never keep a plane pointer past `unref()`: libavcodec reuses the buffers.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() throws(FFmpegError) {
        guard let frame = av_frame_alloc() else { throw FFmpegError(code: gaze_averror(ENOMEM), function: "av_frame_alloc") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    func unref() { av_frame_unref(pointer) }

    /// A second frame holding references to this one's buffers (the pixels are shared, not copied).
    func reference() throws(GazeError) -> Frame {
        let other = try Frame.allocate()
        guard av_frame_ref(other.pointer, pointer) >= 0 else { throw .outputFailed("Out of memory holding a frame.") }
        return other
    }

    /// A new frame, with allocation failure as a product error.
    static func allocate() throws(GazeError) -> Frame {
        do { return try Frame() } catch { throw .outputFailed("Out of memory (\(error)).") }
    }
}

/// Owns one `AVPacket`, reused across reads and unref'd after each use.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws(FFmpegError) {
        guard let packet = av_packet_alloc() else { throw FFmpegError(code: gaze_averror(ENOMEM), function: "av_packet_alloc") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    func unref() { av_packet_unref(pointer) }
    var streamIndex: Int32 { pointer.pointee.stream_index }

    /// A new packet, with allocation failure as a product error.
    static func allocate() throws(GazeError) -> Packet {
        do { return try Packet() } catch { throw .outputFailed("Out of memory (\(error)).") }
    }
}

/// Owns an `AVCodecContext` (decoder or encoder).
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    init(codec: UnsafePointer<AVCodec>) throws(FFmpegError) {
        guard let context = avcodec_alloc_context3(codec) else {
            throw FFmpegError(code: gaze_averror(ENOMEM), function: "avcodec_alloc_context3")
        }
        pointer = context
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }
}

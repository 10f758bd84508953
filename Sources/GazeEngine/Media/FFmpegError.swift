import CFFmpeg

/// A failed libav* call: the AVERROR code and the function that returned it.
///
/// The message is built only when printed, so the EAGAIN/EOF paths that steer the codec loops never pay
/// for it (they are values, not errors: see `CodecResult`).
struct FFmpegError: Error, CustomStringConvertible {
    var code: Int32
    var function: StaticString

    var description: String {
        var buffer = [CChar](repeating: 0, count: 128)
        let text = buffer.withUnsafeMutableBufferPointer { buf in
            String(cString: gaze_av_strerror(code, buf.baseAddress, buf.count))
        }
        return "\(function): \(text)"
    }
}

/// Returns `result` when it is not negative, else throws it as an `FFmpegError` naming `function`.
@discardableResult
func check(_ result: Int32, _ function: StaticString) throws(FFmpegError) -> Int32 {
    if result < 0 { throw FFmpegError(code: result, function: function) }
    return result
}

/// What `avcodec_receive_*` answered: the loop control of the canonical send/receive pattern.
enum CodecResult {
    case ready
    case needsInput
    case endOfStream
}

/// Maps a receive call's return code to `CodecResult`, throwing only real failures.
func codecResult(_ code: Int32, _ function: StaticString) throws(FFmpegError) -> CodecResult {
    switch code {
    case 0...: return .ready
    case GAZE_AVERROR_EAGAIN: return .needsInput
    case GAZE_AVERROR_EOF: return .endOfStream
    default: throw FFmpegError(code: code, function: function)
    }
}

import CFFmpeg

/// libx264 settings. The defaults are what a video platform would pick for a re-encode that should look
/// like the source: CRF 20 (visually transparent for talking heads), preset `medium`.
public struct EncoderSettings: Sendable, Equatable, Codable {
    /// x264 constant rate factor, 0 (lossless) … 51.
    public var crf: Double
    /// x264 preset, `ultrafast` … `placebo`.
    public var preset: String

    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"]

    public init(crf: Double = 20, preset: String = "medium") {
        self.crf = crf
        self.preset = preset
    }
}

/// What the output video stream must keep from the input's: geometry, timing and colour tags.
struct VideoFormat {
    var width: Int32
    var height: Int32
    var timeBase: AVRational
    var frameRate: AVRational
    var sampleAspectRatio: AVRational
    var colorRange: AVColorRange
    var colorPrimaries: AVColorPrimaries
    var colorTransfer: AVColorTransferCharacteristic
    var colorSpace: AVColorSpace
    var chromaLocation: AVChromaLocation

    init(stream: UnsafeMutablePointer<AVStream>, parameters: UnsafeMutablePointer<AVCodecParameters>) {
        width = parameters.pointee.width
        height = parameters.pointee.height
        timeBase = stream.pointee.time_base
        let guessed = stream.pointee.avg_frame_rate
        frameRate = guessed.num > 0 && guessed.den > 0 ? guessed : stream.pointee.r_frame_rate
        sampleAspectRatio = stream.pointee.sample_aspect_ratio.num > 0 ? stream.pointee.sample_aspect_ratio : parameters.pointee.sample_aspect_ratio
        colorRange = parameters.pointee.color_range
        colorPrimaries = parameters.pointee.color_primaries
        colorTransfer = parameters.pointee.color_trc
        colorSpace = parameters.pointee.color_space
        chromaLocation = parameters.pointee.chroma_location
        // yuvj420p marks full range by its pixel format only; keep that as a range tag on yuv420p.
        if AVPixelFormat(parameters.pointee.format) == AV_PIX_FMT_YUVJ420P { colorRange = AVCOL_RANGE_JPEG }
    }
}

/// Encodes 8-bit 4:2:0 frames to H.264 with libx264.
final class VideoEncoder {
    let codec: CodecContext

    init(format: VideoFormat, settings: EncoderSettings, globalHeader: Bool) throws(GazeError) {
        guard let x264 = avcodec_find_encoder_by_name("libx264") else {
            throw .outputFailed("This FFmpeg build has no libx264 encoder.")
        }
        do {
            codec = try CodecContext(codec: x264)
        } catch {
            throw .outputFailed("The H.264 encoder could not be created (\(error)).")
        }
        let context = codec.pointer
        context.pointee.width = format.width
        context.pointee.height = format.height
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = format.timeBase
        context.pointee.framerate = format.frameRate
        context.pointee.sample_aspect_ratio = format.sampleAspectRatio
        context.pointee.color_range = format.colorRange
        context.pointee.color_primaries = format.colorPrimaries
        context.pointee.color_trc = format.colorTransfer
        context.pointee.colorspace = format.colorSpace
        context.pointee.chroma_sample_location = format.chromaLocation
        context.pointee.thread_count = 0
        if globalHeader { context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }

        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "preset", settings.preset, 0)
        av_dict_set(&options, "crf", String(settings.crf), 0)
        let opened = avcodec_open2(context, x264, &options)
        guard opened >= 0 else {
            throw .outputFailed("The H.264 encoder could not be opened (\(FFmpegError(code: opened, function: "avcodec_open2"))).")
        }
    }

    var timeBase: AVRational { codec.pointer.pointee.time_base }

    /// Sends one frame, or `nil` to drain the encoder's delayed frames.
    func send(_ frame: Frame?) throws(GazeError) {
        let result = avcodec_send_frame(codec.pointer, frame?.pointer)
        if result < 0 {
            throw .outputFailed("The H.264 encoder failed (\(FFmpegError(code: result, function: "avcodec_send_frame"))).")
        }
    }

    func receive(into packet: Packet) throws(GazeError) -> CodecResult {
        do {
            return try codecResult(avcodec_receive_packet(codec.pointer, packet.pointer), "avcodec_receive_packet")
        } catch {
            throw .outputFailed("The H.264 encoder failed (\(error)).")
        }
    }
}

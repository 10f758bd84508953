import CFFmpeg

/// Muxes the encoded video and the audio into an MP4 with the index up front (`+faststart`).
final class MediaWriter {
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var started = false
    let path: String

    init(path: String) throws(GazeError) {
        self.path = path
        var context: UnsafeMutablePointer<AVFormatContext>?
        let result = avformat_alloc_output_context2(&context, nil, "mp4", path)
        guard result >= 0, let context else {
            throw .outputFailed("The MP4 muxer could not be created (\(FFmpegError(code: result, function: "avformat_alloc_output_context2"))).")
        }
        self.context = context
    }

    deinit {
        if let context {
            if started { avio_closep(&context.pointee.pb) }
            avformat_free_context(context)
        }
    }

    /// Whether encoders must put their parameter sets in extradata (MP4 does).
    var needsGlobalHeader: Bool {
        guard let flags = context?.pointee.oformat?.pointee.flags else { return false }
        return flags & AVFMT_GLOBALHEADER != 0
    }

    /// Whether MP4 can carry `codec` as it is (AAC, MP3, Opus, AC-3 … yes; PCM, Vorbis no).
    func canHold(_ codec: AVCodecID) -> Bool {
        guard let format = context?.pointee.oformat else { return false }
        return avformat_query_codec(format, codec, FF_COMPLIANCE_NORMAL) == 1
    }

    /// Adds a stream fed by an encoder; returns it so callers can rescale into its time base.
    func addStream(encoder: CodecContext) throws(GazeError) -> UnsafeMutablePointer<AVStream> {
        let stream = try newStream()
        let result = avcodec_parameters_from_context(stream.pointee.codecpar, encoder.pointer)
        guard result >= 0 else {
            throw .outputFailed("The output stream could not be set up (\(FFmpegError(code: result, function: "avcodec_parameters_from_context"))).")
        }
        stream.pointee.time_base = encoder.pointer.pointee.time_base
        stream.pointee.sample_aspect_ratio = encoder.pointer.pointee.sample_aspect_ratio
        return stream
    }

    /// Adds a stream whose packets are copied from `input` untouched.
    func addCopiedStream(from input: UnsafeMutablePointer<AVStream>) throws(GazeError) -> UnsafeMutablePointer<AVStream> {
        let stream = try newStream()
        let result = avcodec_parameters_copy(stream.pointee.codecpar, input.pointee.codecpar)
        guard result >= 0 else {
            throw .outputFailed("The audio stream could not be copied (\(FFmpegError(code: result, function: "avcodec_parameters_copy"))).")
        }
        stream.pointee.codecpar.pointee.codec_tag = 0  // let MP4 choose its own tag for the codec
        stream.pointee.time_base = input.pointee.time_base
        return stream
    }

    /// Copies the rotation (display matrix) of `input` onto `output`, so players rotate the result alike.
    func copyDisplayMatrix(from input: UnsafeMutablePointer<AVStream>, to output: UnsafeMutablePointer<AVStream>) throws(GazeError) {
        var size: Int = 0
        guard let matrix = av_stream_get_side_data(input, AV_PKT_DATA_DISPLAYMATRIX, &size), size > 0 else { return }
        guard let copy = av_stream_new_side_data(output, AV_PKT_DATA_DISPLAYMATRIX, size) else {
            throw .outputFailed("Out of memory copying the rotation tag.")
        }
        copy.update(from: matrix, count: size)
    }

    private func newStream() throws(GazeError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else {
            throw .outputFailed("The output stream could not be created.")
        }
        return stream
    }

    /// Opens the file and writes the header; streams cannot be added afterwards.
    func start() throws(GazeError) {
        guard let context else { return }
        var result = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
        guard result >= 0 else {
            throw .outputFailed("The output file could not be created (\(FFmpegError(code: result, function: "avio_open"))).")
        }
        started = true
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "movflags", "+faststart", 0)
        result = avformat_write_header(context, &options)
        guard result >= 0 else {
            throw .outputFailed("The MP4 header could not be written (\(FFmpegError(code: result, function: "avformat_write_header"))).")
        }
    }

    /// Writes one packet, rescaling its timestamps from `timeBase` into its output stream's; unrefs it.
    func write(_ packet: Packet, from timeBase: AVRational, to stream: UnsafeMutablePointer<AVStream>) throws(GazeError) {
        av_packet_rescale_ts(packet.pointer, timeBase, stream.pointee.time_base)
        packet.pointer.pointee.stream_index = stream.pointee.index
        // av_interleaved_write_frame takes the packet's reference and leaves it blank.
        let result = av_interleaved_write_frame(context, packet.pointer)
        guard result >= 0 else {
            throw .outputFailed("The output could not be written (\(FFmpegError(code: result, function: "av_interleaved_write_frame"))).")
        }
    }

    /// Flushes interleaving queues, writes the index (moved to the front) and closes the file.
    func finish() throws(GazeError) {
        guard let context, started else { return }
        let result = av_write_trailer(context)
        guard result >= 0 else {
            throw .outputFailed("The MP4 index could not be written (\(FFmpegError(code: result, function: "av_write_trailer"))).")
        }
        let closed = avio_closep(&context.pointee.pb)
        started = false
        guard closed >= 0 else {
            throw .outputFailed("The output file could not be closed (\(FFmpegError(code: closed, function: "avio_closep"))).")
        }
    }
}

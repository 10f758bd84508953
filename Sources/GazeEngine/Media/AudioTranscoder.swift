import CFFmpeg

/// Decodes audio MP4 cannot hold and re-encodes it as AAC, at the source's rate and channel layout.
///
/// AAC takes fixed 1024-sample frames, so resampled audio goes through an `AVAudioFifo` first.
final class AudioTranscoder: AudioRoute {
    let inputIndex: Int32
    private let decoder: CodecContext
    private let encoder: CodecContext
    private let output: UnsafeMutablePointer<AVStream>
    private var resampler: OpaquePointer?
    private let fifo: OpaquePointer
    private let decoded: Frame
    private let chunk: Frame
    private let encoded: Packet
    /// Next AAC frame's timestamp in samples; starts where the source audio starts, to keep A/V sync.
    private var nextPTS: Int64?

    init(stream: UnsafeMutablePointer<AVStream>, writer: MediaWriter) throws(GazeError) {
        inputIndex = stream.pointee.index
        let parameters = stream.pointee.codecpar
        let name = String(cString: avcodec_get_name(parameters?.pointee.codec_id ?? AV_CODEC_ID_NONE))
        do {
            guard let parameters, let decoderCodec = avcodec_find_decoder(parameters.pointee.codec_id) else {
                throw FFmpegError(code: GAZE_AVERROR_INVALIDDATA, function: "avcodec_find_decoder")
            }
            guard let aac = avcodec_find_encoder(AV_CODEC_ID_AAC) else {
                throw FFmpegError(code: GAZE_AVERROR_INVALIDDATA, function: "avcodec_find_encoder")
            }
            decoder = try CodecContext(codec: decoderCodec)
            try check(avcodec_parameters_to_context(decoder.pointer, parameters), "avcodec_parameters_to_context")
            decoder.pointer.pointee.pkt_timebase = stream.pointee.time_base
            try check(avcodec_open2(decoder.pointer, decoderCodec, nil), "avcodec_open2")
            if decoder.pointer.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC {
                av_channel_layout_default(&decoder.pointer.pointee.ch_layout, decoder.pointer.pointee.ch_layout.nb_channels)
            }

            encoder = try CodecContext(codec: aac)
            let enc = encoder.pointer
            enc.pointee.sample_rate = decoder.pointer.pointee.sample_rate
            enc.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
            try check(av_channel_layout_copy(&enc.pointee.ch_layout, &decoder.pointer.pointee.ch_layout), "av_channel_layout_copy")
            enc.pointee.bit_rate = Int64(64_000 * max(1, Int(enc.pointee.ch_layout.nb_channels)))
            enc.pointee.time_base = AVRational(num: 1, den: enc.pointee.sample_rate)
            if writer.needsGlobalHeader { enc.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER) }
            try check(avcodec_open2(enc, aac, nil), "avcodec_open2")

            try check(swr_alloc_set_opts2(&resampler,
                                          &enc.pointee.ch_layout, enc.pointee.sample_fmt, enc.pointee.sample_rate,
                                          &decoder.pointer.pointee.ch_layout, decoder.pointer.pointee.sample_fmt,
                                          decoder.pointer.pointee.sample_rate, 0, nil), "swr_alloc_set_opts2")
            try check(swr_init(resampler), "swr_init")
            guard let fifo = av_audio_fifo_alloc(enc.pointee.sample_fmt, enc.pointee.ch_layout.nb_channels, enc.pointee.frame_size) else {
                throw FFmpegError(code: gaze_averror(ENOMEM), function: "av_audio_fifo_alloc")
            }
            self.fifo = fifo
            decoded = try Frame()
            chunk = try Frame()
            encoded = try Packet()
        } catch {
            swr_free(&resampler)
            throw .unsupportedMedia("The \(name) audio cannot be converted to AAC (\(error)).")
        }
        output = try writer.addStream(encoder: encoder)
    }

    deinit {
        swr_free(&resampler)
        av_audio_fifo_free(fifo)
    }

    func write(_ packet: Packet, to writer: MediaWriter) throws(GazeError) {
        defer { packet.unref() }
        // A corrupt audio packet is skipped, as players do; the video must not fail for it.
        guard avcodec_send_packet(decoder.pointer, packet.pointer) >= 0 else { return }
        try drainDecoder(writer: writer)
    }

    func finish(writer: MediaWriter) throws(GazeError) {
        avcodec_send_packet(decoder.pointer, nil)
        try drainDecoder(writer: writer)
        try encodeFromFIFO(writer: writer, flush: true)
        try send(nil, writer: writer)
    }

    private func drainDecoder(writer: MediaWriter) throws(GazeError) {
        while avcodec_receive_frame(decoder.pointer, decoded.pointer) >= 0 {
            defer { decoded.unref() }
            if nextPTS == nil {
                let start = decoded.pointer.pointee.best_effort_timestamp
                nextPTS = start == GAZE_AV_NOPTS_VALUE ? 0
                    : av_rescale_q(start, decoder.pointer.pointee.pkt_timebase, encoder.pointer.pointee.time_base)
            }
            try resample(writer: writer)
        }
    }

    private func resample(writer: MediaWriter) throws(GazeError) {
        let enc = encoder.pointer.pointee
        let capacity = swr_get_out_samples(resampler, decoded.pointer.pointee.nb_samples)
        guard capacity > 0 else { return }
        var planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?
        guard av_samples_alloc_array_and_samples(&planes, nil, enc.ch_layout.nb_channels, capacity, enc.sample_fmt, 0) >= 0, let planes else {
            throw .outputFailed("Out of memory converting audio.")
        }
        defer {
            av_freep(planes)  // the sample buffer, then the array of plane pointers
            var array: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = planes
            av_freep(&array)
        }
        let input = UnsafeMutableRawPointer(decoded.pointer.pointee.extended_data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        let converted = swr_convert(resampler, planes, capacity, input, decoded.pointer.pointee.nb_samples)
        guard converted >= 0 else { throw .outputFailed("Audio resampling failed.") }
        av_audio_fifo_write(fifo, UnsafeMutableRawPointer(planes).assumingMemoryBound(to: UnsafeMutableRawPointer?.self), converted)
        try encodeFromFIFO(writer: writer, flush: false)
    }

    private func encodeFromFIFO(writer: MediaWriter, flush: Bool) throws(GazeError) {
        let frameSize = encoder.pointer.pointee.frame_size
        while av_audio_fifo_size(fifo) >= frameSize || (flush && av_audio_fifo_size(fifo) > 0) {
            let count = min(frameSize, av_audio_fifo_size(fifo))
            chunk.pointer.pointee.nb_samples = count
            chunk.pointer.pointee.format = encoder.pointer.pointee.sample_fmt.rawValue
            chunk.pointer.pointee.sample_rate = encoder.pointer.pointee.sample_rate
            av_channel_layout_copy(&chunk.pointer.pointee.ch_layout, &encoder.pointer.pointee.ch_layout)
            guard av_frame_get_buffer(chunk.pointer, 0) >= 0 else { throw .outputFailed("Out of memory encoding audio.") }
            defer { chunk.unref() }
            let planes = UnsafeMutableRawPointer(chunk.pointer.pointee.extended_data).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            av_audio_fifo_read(fifo, planes, count)
            let pts = nextPTS ?? 0
            chunk.pointer.pointee.pts = pts
            nextPTS = pts + Int64(count)
            try send(chunk, writer: writer)
        }
    }

    private func send(_ frame: Frame?, writer: MediaWriter) throws(GazeError) {
        let sent = avcodec_send_frame(encoder.pointer, frame?.pointer)
        guard sent >= 0 || sent == GAZE_AVERROR_EOF else {
            throw .outputFailed("The AAC encoder failed (\(FFmpegError(code: sent, function: "avcodec_send_frame"))).")
        }
        while avcodec_receive_packet(encoder.pointer, encoded.pointer) >= 0 {
            try writer.write(encoded, from: encoder.pointer.pointee.time_base, to: output)
        }
    }
}

import CFFmpeg
import Foundation

/// The data path of one job, top to bottom: decode → faces → eyes → encode.
///
/// It follows FFmpeg's transcode loop (read packet → send → receive frames → process → encode → mux), plus
/// what that example lacks: the decoder is drained, timestamps are kept, audio is carried, and the
/// cancellation flag is checked on every packet. Between faces and eyes each frame is held (as a reference)
/// until the frames just after it have been looked at, so that the gaze gate knows how the lids move next
/// and whether each face is still there.
/// Decode, faces and eyes run on the calling thread; the encode → mux end (`EncodeStage`) runs on a second
/// one, so libx264's input and the muxing overlap analysis.
final class GazePipeline {
    struct Result {
        var width: Int
        var height: Int
        var duration: Double
        var frames: Int
        /// `nil` when faces were not looked for (intensity 0: nothing would change).
        var framesWithFace: Int?
        var work: WorkClock
    }

    private let input: String
    private let output: String?
    private let options: GazeOptions
    private let model: LandmarkModel
    private let limits: EngineLimits
    private let cancellation: CancellationFlag
    private let meter: ProgressMeter
    private let onFrame: ((FrameAnalysis) -> Void)?

    /// A decoded frame waiting for its warp, with what the encoder and the preview will need of it.
    private struct HeldFrame {
        var frame: Frame
        var original: Frame?
        var duration: Int64
        var time: Double
        var observed: ObservedFrame?
    }

    /// Memory the held frames may take (4K 4:2:0 frames are 12 MB each).
    static let heldBytes = 256 << 20

    /// - Parameter output: the MP4 to write, or `nil` to analyse only (no warp, no encode).
    init(input: String, output: String?, options: GazeOptions, model: LandmarkModel, limits: EngineLimits,
         cancellation: CancellationFlag, meter: ProgressMeter, onFrame: ((FrameAnalysis) -> Void)?) {
        self.input = input
        self.output = output
        self.options = options
        self.model = model
        self.limits = limits
        self.cancellation = cancellation
        self.meter = meter
        self.onFrame = onFrame
    }

    func run() throws(GazeError) -> Result {
        // Open the input and check it against the limits before any work.
        let reader = try MediaReader(path: input)
        let stream = reader.videoStream
        guard let parameters = stream.pointee.codecpar else { throw .invalidSource("The video stream has no codec parameters.") }
        var format = VideoFormat(stream: stream, parameters: parameters)
        try limits.check(width: Int(format.width), height: Int(format.height), duration: reader.durationSeconds)
        let decoder = try VideoDecoder(stream: stream)
        let converter = try FrameConverter(width: format.width, height: format.height)
        (format.width, format.height) = (converter.width, converter.height)  // odd sides padded to even
        let orientation = Orientation(stream: stream)
        let preview = try options.preview.map { mode throws(GazeError) in try PreviewRenderer(mode: mode, orientation: orientation) }
        format.width = PreviewRenderer.outputWidth(options.preview, width: format.width)

        // Open the output: H.264 video with the input's geometry, timing and tags, then the audio.
        let writer = try output.map { path throws(GazeError) in try MediaWriter(path: path) }
        var encode: EncodeStage?
        var audioIndex: Int32?
        if let writer {
            let encoder = try VideoEncoder(format: format, settings: options.encoder, globalHeader: writer.needsGlobalHeader)
            let out = try writer.addStream(encoder: encoder.codec)
            try writer.copyDisplayMatrix(from: stream, to: out)
            let audio = try reader.audioStream.map { s throws(GazeError) in try makeAudioRoute(for: s, writer: writer) }
            try writer.start()
            audioIndex = audio?.inputIndex
            encode = EncodeStage(encoder: encoder, writer: writer, videoOut: out, audio: audio)
        }
        // On any early exit the encode thread is stopped before the files it writes go away.
        defer { encode?.cancel() }

        let render = writer != nil && options.correction.intensity > 0
        // At intensity 0 every frame goes to the encoder untouched, so there is nothing to look for.
        let analyse = writer == nil || render || preview != nil
        let compositor = try analyse
            ? GazeCompositor(predictor: model.predictor(), settings: options.correction, detection: options.detection,
                             orientation: orientation) : nil
        let packet = try Packet.allocate(), decoded = try Frame.allocate()
        var work = WorkClock()
        var frames = 0, framesWithFace = 0
        var firstPTS: Int64?, lastPTS: Int64 = GAZE_AV_NOPTS_VALUE, lastDuration: Int64 = 0
        let totalSeconds = max(reader.durationSeconds, 0.001)

        // Frames wait between faces and eyes until the frames `lookAhead` seconds after them have been looked at,
        // so each decision knows whether the lids reopen and the face stays; at most `holdLimit`, to keep 4K flat.
        let lookAhead = compositor == nil ? 0 : GazeCompositor.lookAheadSeconds
        let holdLimit = max(4, Self.heldBytes / max(1, Int(converter.width) * Int(converter.height) * 3 / 2))
        var held: [HeldFrame] = []

        /// Eyes → encode for the oldest held frame, now that the frames after it are known.
        func release() throws(GazeError) {
            let next = held.removeFirst()
            var analysis: FrameAnalysis?
            if let compositor, let observed = next.observed {
                analysis = try compositor.finish(next.frame, observed: observed, ahead: held.compactMap(\.observed), render: render)
                if let analysis { onFrame?(analysis) }
                if analysis?.faces.isEmpty == false { framesWithFace += 1 }
            }
            if let encode {
                let picture = try preview?.render(next.frame, original: next.original, analysis: analysis) ?? next.frame
                try encode.submit(video: picture, duration: next.duration)
            }
            meter.update(.compositing, (next.time - Double(firstPTS ?? 0) * av_q2d(decoder.timeBase)) / totalSeconds)
        }

        /// Takes every frame the decoder has ready through decode → faces, and releases those held long enough.
        func drainDecoder() throws(GazeError) {
            while try work.measure(.decode, { () throws(GazeError) in try decoder.receive(into: decoded) }) == .ready {
                defer { decoded.unref() }
                try cancellation.check()  // per frame too: one packet can release many frames when draining
                // Strictly increasing timestamps, as the encoder requires; broken files can repeat one.
                var pts = decoded.pointer.pointee.best_effort_timestamp
                if pts == GAZE_AV_NOPTS_VALUE { pts = lastPTS == GAZE_AV_NOPTS_VALUE ? 0 : lastPTS + max(1, lastDuration) }
                if lastPTS != GAZE_AV_NOPTS_VALUE, pts <= lastPTS { pts = lastPTS + 1 }
                decoded.pointer.pointee.pts = pts
                decoded.pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE  // let x264 place keyframes itself
                // A frame lasts its packet's duration, or as long as the one before when the container is silent.
                let packetDuration = decoded.pointer.pointee.pkt_duration
                lastDuration = packetDuration > 0 ? packetDuration : (lastPTS == GAZE_AV_NOPTS_VALUE ? 0 : pts - lastPTS)
                lastPTS = pts
                firstPTS = firstPTS ?? pts

                let frame = try converter.prepare(decoded)
                let time = Double(pts) * av_q2d(decoder.timeBase)
                held.append(HeldFrame(frame: try frame.reference(), original: try preview?.original(of: frame), duration: lastDuration,
                                      time: time, observed: compositor?.observe(frame, index: frames, time: time)))
                frames += 1
                while let first = held.first, held.count > holdLimit || time - first.time >= lookAhead { try release() }
            }
        }

        // The loop: packets in file order; video is decoded, audio carried, anything else dropped.
        while try reader.read(into: packet) {
            try cancellation.check()
            if packet.streamIndex == decoder.streamIndex {
                defer { packet.unref() }
                try work.measure(.decode) { () throws(GazeError) in try decoder.send(packet) }
                try drainDecoder()
            } else if let encode, packet.streamIndex == audioIndex {
                try encode.submit(audio: packet)
            } else {
                packet.unref()
            }
        }
        // Drain: the decoder's delayed frames, then the encoder's, then the audio; then the index.
        try decoder.send(nil)
        try drainDecoder()
        while !held.isEmpty { try release() }
        guard frames > 0 else { throw .invalidSource("The source contains no decodable video frames.") }
        meter.update(.encoding, 0)
        try cancellation.check()
        if let encode {
            try encode.finish()
            work.add(encode.work)
        }
        meter.update(.encoding, 1)

        if let compositor { work.add(compositor.work) }
        let end = lastPTS + max(lastDuration, 0)
        return Result(width: Int(format.width), height: Int(format.height),
                      duration: Double(end - (firstPTS ?? 0)) * av_q2d(decoder.timeBase),
                      frames: frames, framesWithFace: analyse ? framesWithFace : nil, work: work)
    }
}

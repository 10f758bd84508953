import CFFmpeg
import Foundation

/// The encode → mux end of the pipeline, on a thread of its own: libx264's input copy, packet handling and
/// muxing overlap the next frame's decode and analysis instead of following them.
///
/// The pipeline thread hands over references (never the buffers themselves: a frame the decoder or the
/// warp still uses is copied on write by `av_frame_make_writable`, as before). Audio goes through the same
/// queue so the muxer sees packets in the order they were read.
final class EncodeStage: @unchecked Sendable {
    // @unchecked: the encoder, writer and audio route are used only by the worker thread once it starts; the
    // queue and the spare frames and packets are guarded by `condition`.
    private enum Item {
        case video(Frame, duration: Int64)
        case audio(Packet)
        case end
    }

    /// Frames that may wait for the encoder; enough to ride out an uneven frame, small enough to keep memory flat.
    static let capacity = 3

    private let encoder: VideoEncoder
    private let writer: MediaWriter
    private let videoOut: UnsafeMutablePointer<AVStream>
    private let audio: (any AudioRoute)?
    private let condition = NSCondition()
    private var queue: [Item] = []
    private var spareFrames: [Frame] = []
    private var sparePackets: [Packet] = []
    private var failure: GazeError?
    private var stopping = false
    private var done = false
    /// Time the worker spent encoding and muxing; read after `finish()`.
    private(set) var work = WorkClock()

    init(encoder: VideoEncoder, writer: MediaWriter, videoOut: UnsafeMutablePointer<AVStream>, audio: (any AudioRoute)?) {
        self.encoder = encoder
        self.writer = writer
        self.videoOut = videoOut
        self.audio = audio
        let thread = Thread { [self] in self.runWorker() }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Queues a reference to `frame`, which lasts `duration` (in the encoder's time base), waiting while the queue is full.
    /// - Throws: the worker's failure, if it has failed.
    func submit(video frame: Frame, duration: Int64) throws(GazeError) {
        let reference = try take(from: \.spareFrames) { () throws(GazeError) in try Frame.allocate() }
        guard av_frame_ref(reference.pointer, frame.pointer) >= 0 else { throw .outputFailed("Out of memory queueing a frame.") }
        try enqueue(.video(reference, duration: duration), counted: true)
    }

    /// Queues `packet`'s contents (the packet is left empty, as `av_packet_move_ref` does).
    func submit(audio packet: Packet) throws(GazeError) {
        let moved = try take(from: \.sparePackets) { () throws(GazeError) in try Packet.allocate() }
        av_packet_move_ref(moved.pointer, packet.pointer)
        try enqueue(.audio(moved), counted: false)
    }

    /// Drains the encoder, finishes the audio and writes the index; returns when the file is complete.
    func finish() throws(GazeError) {
        try enqueue(.end, counted: false)
        condition.lock()
        while !done { condition.wait() }
        let failure = self.failure
        condition.unlock()
        if let failure { throw failure }
    }

    /// Stops the worker after its current item and waits for it; what is queued is dropped.
    func cancel() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !done { condition.wait() }
        condition.unlock()
    }

    // MARK: - Producer side

    private func take<T>(from spares: ReferenceWritableKeyPath<EncodeStage, [T]>,
                         _ make: () throws(GazeError) -> T) throws(GazeError) -> T {
        condition.lock()
        let spare = self[keyPath: spares].popLast()
        condition.unlock()
        if let spare { return spare }
        return try make()
    }

    private func enqueue(_ item: Item, counted: Bool) throws(GazeError) {
        condition.lock()
        defer { condition.unlock() }
        // Audio and the end marker never wait: the cap is on frames, the memory that matters.
        while counted, failure == nil, !done, queue.count(where: { if case .video = $0 { true } else { false } }) >= Self.capacity {
            condition.wait()
        }
        if let failure { throw failure }
        guard !done else { throw .outputFailed("The encoder stopped early.") }
        queue.append(item)
        condition.broadcast()
    }

    // MARK: - Worker side

    private func runWorker() {
        var pendingDurations: [Int64: Int64] = [:]
        let encoded: Packet
        do throws(GazeError) { encoded = try Packet.allocate() } catch { return finishWorker(error) }
        while true {
            condition.lock()
            while queue.isEmpty, !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return finishWorker(nil)
            }
            let item = queue.removeFirst()
            condition.broadcast()  // a slot is free
            condition.unlock()
            do throws(GazeError) {
                switch item {
                case .video(let frame, let duration):
                    pendingDurations[frame.pointer.pointee.pts] = duration
                    try work.measure(.encode) { () throws(GazeError) in try encoder.send(frame) }
                    frame.unref()
                    recycle(frame, into: \.spareFrames)
                    try drain(into: encoded, &pendingDurations)
                case .audio(let packet):
                    if let audio { try audio.write(packet, to: writer) }
                    packet.unref()
                    recycle(packet, into: \.sparePackets)
                case .end:
                    try encoder.send(nil)
                    try drain(into: encoded, &pendingDurations)
                    if let audio { try audio.finish(writer: writer) }
                    try writer.finish()
                    return finishWorker(nil)
                }
            } catch {
                return finishWorker(error)
            }
        }
    }

    /// Writes every packet the encoder has ready. libx264 does not set packet durations; without them MP4
    /// gives the last frame no length and players drop it, so each frame's duration waits here for its packet.
    private func drain(into encoded: Packet, _ pendingDurations: inout [Int64: Int64]) throws(GazeError) {
        while try work.measure(.encode, { () throws(GazeError) in try encoder.receive(into: encoded) }) == .ready {
            let duration = pendingDurations.removeValue(forKey: encoded.pointer.pointee.pts) ?? 0
            if encoded.pointer.pointee.duration <= 0 { encoded.pointer.pointee.duration = duration }
            try writer.write(encoded, from: encoder.timeBase, to: videoOut)
        }
    }

    private func recycle<T>(_ spare: T, into spares: ReferenceWritableKeyPath<EncodeStage, [T]>) {
        condition.lock()
        self[keyPath: spares].append(spare)
        condition.unlock()
    }

    private func finishWorker(_ error: GazeError?) {
        condition.lock()
        failure = failure ?? error
        queue.removeAll()  // what was queued is dropped: the owners' deinit frees frames and packets
        done = true
        condition.broadcast()
        condition.unlock()
    }
}

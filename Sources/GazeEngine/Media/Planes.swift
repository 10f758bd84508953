import CFFmpeg

/// One borrowed 8-bit plane: a base pointer, its size and its row stride.
struct Plane {
    var base: UnsafeMutablePointer<UInt8>
    var width: Int
    var height: Int
    var stride: Int

    var luma: LumaView { LumaView(base: UnsafePointer(base), width: width, height: height, stride: stride) }

    /// Copies all of `source` into this plane, its left edge at `column`.
    /// - Precondition: `source` fits (`column + source.width <= width`, `source.height <= height`).
    func copy(_ source: Plane, toColumn column: Int = 0) {
        for row in 0..<source.height {
            // Safe by the precondition: every row written lies inside this plane.
            (base + row * stride + column).update(from: source.base + row * source.stride, count: source.width)
        }
    }
}

/// The three planes of an 8-bit 4:2:0 frame. Chroma planes are half size, rounded up.
struct YUVPlanes {
    var y: Plane
    var u: Plane
    var v: Plane
}

extension Frame {
    /// Gives this frame a writable 8-bit 4:2:0 buffer of `width`×`height` for the caller to fill whole: the
    /// current one while no one else (the encoder, held frames) shares it, else a new one, contents undefined.
    func makeWritable420(width: Int32, height: Int32) throws(GazeError) {
        if pointer.pointee.data.0 != nil, av_frame_is_writable(pointer) != 0 { return }
        av_frame_unref(pointer)
        pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        pointer.pointee.width = width
        pointer.pointee.height = height
        guard av_frame_get_buffer(pointer, 0) >= 0 else { throw .outputFailed("Out of memory preparing a frame.") }
    }

    /// The planes of this 8-bit 4:2:0 frame, ready to write: its buffer is copied first only if someone else
    /// (the decoder's reference pictures, the encoder) still holds it.
    func writablePlanes() throws(GazeError) -> YUVPlanes {
        guard av_frame_make_writable(pointer) >= 0, let planes else { throw .outputFailed("Out of memory preparing a frame for writing.") }
        return planes
    }

    /// The planes of an 8-bit 4:2:0 frame, or `nil` if it has none; the pointers die with the frame's next unref.
    var planes: YUVPlanes? {
        let f = pointer.pointee
        guard let y = f.data.0, let u = f.data.1, let v = f.data.2 else { return nil }
        let width = Int(f.width), height = Int(f.height)
        let chromaWidth = (width + 1) / 2, chromaHeight = (height + 1) / 2
        return YUVPlanes(
            y: Plane(base: y, width: width, height: height, stride: Int(f.linesize.0)),
            u: Plane(base: u, width: chromaWidth, height: chromaHeight, stride: Int(f.linesize.1)),
            v: Plane(base: v, width: chromaWidth, height: chromaHeight, stride: Int(f.linesize.2)))
    }

    /// `data` and `linesize` as the C arrays libswscale takes. The frame lives on the heap, so these
    /// pointers stay valid as long as the `Frame` does (unlike `withUnsafePointer` on an imported tuple).
    var dataArray: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?> {
        (UnsafeMutableRawPointer(pointer) + MemoryLayout<AVFrame>.offset(of: \AVFrame.data)!)
            .assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self)
    }

    var linesizeArray: UnsafeMutablePointer<Int32> {
        (UnsafeMutableRawPointer(pointer) + MemoryLayout<AVFrame>.offset(of: \AVFrame.linesize)!)
            .assumingMemoryBound(to: Int32.self)
    }
}

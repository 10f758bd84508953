import CFFmpeg

/// One borrowed 8-bit plane: a base pointer, its size and its row stride.
struct Plane {
    var base: UnsafeMutablePointer<UInt8>
    var width: Int
    var height: Int
    var stride: Int

    var luma: LumaView { LumaView(base: UnsafePointer(base), width: width, height: height, stride: stride) }
}

/// The three planes of an 8-bit 4:2:0 frame. Chroma planes are half size, rounded up.
struct YUVPlanes {
    var y: Plane
    var u: Plane
    var v: Plane
}

extension Frame {
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

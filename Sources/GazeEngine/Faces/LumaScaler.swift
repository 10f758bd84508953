import CFFmpeg

/// Shrinks a luma plane for the face detector with libswscale (area averaging), into a buffer it owns.
final class LumaScaler {
    let width: Int
    let height: Int
    private let context: OpaquePointer
    private let buffer: UnsafeMutableBufferPointer<UInt8>

    init(sourceWidth: Int, sourceHeight: Int, width: Int, height: Int) throws(GazeError) {
        guard let context = sws_getContext(Int32(sourceWidth), Int32(sourceHeight), AV_PIX_FMT_GRAY8,
                                           Int32(width), Int32(height), AV_PIX_FMT_GRAY8, SWS_AREA, nil, nil, nil) else {
            throw .unsupportedMedia("Frames of \(sourceWidth)×\(sourceHeight) cannot be scaled for face detection.")
        }
        self.context = context
        self.width = width
        self.height = height
        buffer = .allocate(capacity: width * height)
    }

    deinit {
        sws_freeContext(context)
        buffer.deallocate()
    }

    /// Scales `source` and hands the result to `body`; the view is valid only inside it.
    func scale<R>(_ source: LumaView, _ body: (LumaView) -> R) -> R {
        var sourcePlane: UnsafePointer<UInt8>? = source.base
        var sourceStride = Int32(source.stride)
        var destination: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        var destinationStride = Int32(width)
        // Safe: one plane in, one plane out, both valid for the call; GRAY8 reads only data[0]/linesize[0].
        sws_scale(context, &sourcePlane, &sourceStride, 0, Int32(source.height), &destination, &destinationStride)
        guard let base = buffer.baseAddress else { return body(source) }
        return body(LumaView(base: UnsafePointer(base), width: width, height: height, stride: width))
    }
}

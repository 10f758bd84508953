import CFFmpeg

/// Resizes (part of) a luma plane for the face detector with libswscale, into a buffer it owns and reuses.
final class LumaResampler {
    private var context: OpaquePointer?
    private var buffer: UnsafeMutableBufferPointer<UInt8> = .init(start: nil, count: 0)

    deinit {
        sws_freeContext(context)
        buffer.deallocate()
    }

    /// Resizes `source` to `width`×`height` (area averaging) and hands the result to `body`, or `source` itself
    /// when the size is unchanged. The view is valid only inside `body`.
    func resample<R>(_ source: LumaView, width: Int, height: Int, _ body: (LumaView) -> R) -> R {
        guard width != source.width || height != source.height, width > 0, height > 0 else { return body(source) }
        // sws_getCachedContext returns the same context while the sizes repeat (every frame of a stream).
        context = sws_getCachedContext(context, Int32(source.width), Int32(source.height), AV_PIX_FMT_GRAY8,
                                       Int32(width), Int32(height), AV_PIX_FMT_GRAY8, SWS_AREA, nil, nil, nil)
        if buffer.count < width * height {
            buffer.deallocate()
            buffer = .allocate(capacity: width * height)
        }
        guard let context, let base = buffer.baseAddress else { return body(source) }
        var sourcePlane: UnsafePointer<UInt8>? = source.base
        var sourceStride = Int32(source.stride)
        var destination: UnsafeMutablePointer<UInt8>? = base
        var destinationStride = Int32(width)
        // Safe: one plane in, one plane out, both valid for the call; GRAY8 reads only data[0]/linesize[0].
        sws_scale(context, &sourcePlane, &sourceStride, 0, Int32(source.height), &destination, &destinationStride)
        return body(LumaView(base: UnsafePointer(base), width: width, height: height, stride: width))
    }
}

extension LumaView {
    /// The part of this plane inside `x0..<x1, y0..<y1` (clipped), sharing its memory: no copy.
    func cropped(x0: Int, y0: Int, x1: Int, y1: Int) -> (view: LumaView, origin: SIMD2<Float>)? {
        let left = max(0, x0), top = max(0, y0), right = min(width, x1), bottom = min(height, y1)
        guard right - left >= 16, bottom - top >= 16 else { return nil }
        return (LumaView(base: base + top * stride + left, width: right - left, height: bottom - top, stride: stride),
                SIMD2(Float(left), Float(top)))
    }
}

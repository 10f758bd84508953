import CFFmpeg

/// Brings decoded frames to the one layout the engine and encoder work on: 8-bit 4:2:0 at the stream's size.
///
/// 8-bit 4:2:0 frames (limited or full range) pass through untouched; anything else (10-bit, 4:2:2, 4:4:4,
/// a mid-stream size change) is converted with libswscale, keeping its range and matrix.
final class FrameConverter {
    private let width: Int32
    private let height: Int32
    private var scaler: OpaquePointer?
    private var scalerSource: (format: Int32, width: Int32, height: Int32)?
    private let converted: Frame

    init(width: Int32, height: Int32) throws(GazeError) {
        self.width = width
        self.height = height
        do {
            converted = try Frame()
        } catch {
            throw .outputFailed("Out of memory (\(error)).")
        }
    }

    deinit { sws_freeContext(scaler) }

    /// Returns `frame` itself when it is already 8-bit 4:2:0, else the converted copy (owned by this converter,
    /// valid until the next call). Either way, the result may be written to.
    func prepare(_ frame: Frame) throws(GazeError) -> Frame {
        let f = frame.pointer
        let format = AVPixelFormat(f.pointee.format)
        if (format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P), f.pointee.width == width, f.pointee.height == height {
            if format == AV_PIX_FMT_YUVJ420P {
                // Same bytes as yuv420p; the full range travels as a tag instead of a pixel format.
                f.pointee.format = AV_PIX_FMT_YUV420P.rawValue
                f.pointee.color_range = AVCOL_RANGE_JPEG
            }
            return frame
        }
        try convert(frame)
        return converted
    }

    private func convert(_ frame: Frame) throws(GazeError) {
        let src = frame.pointer.pointee
        let source = (format: src.format, width: src.width, height: src.height)
        if scalerSource.map({ $0 != source }) ?? true {
            sws_freeContext(scaler)
            scaler = sws_getContext(src.width, src.height, AVPixelFormat(src.format), width, height, AV_PIX_FMT_YUV420P,
                                    SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nil, nil, nil)
            guard scaler != nil else {
                let name = av_get_pix_fmt_name(AVPixelFormat(src.format)).map { String(cString: $0) } ?? "unknown"
                throw .unsupportedMedia("Frames in pixel format \(name) cannot be converted to 8-bit 4:2:0.")
            }
            // Keep range and matrix: a 10-bit limited-range BT.709 frame becomes an 8-bit limited-range one.
            let full: Int32 = src.color_range == AVCOL_RANGE_JPEG ? 1 : 0
            let matrix = sws_getCoefficients(src.colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : Int32(src.colorspace.rawValue))
            sws_setColorspaceDetails(scaler, matrix, full, matrix, full, 0, 1 << 16, 1 << 16)
            scalerSource = source
        }
        let out = converted.pointer
        // The encoder may still hold a reference to last frame's buffer: make_writable copies only then.
        if out.pointee.data.0 == nil {
            out.pointee.format = AV_PIX_FMT_YUV420P.rawValue
            out.pointee.width = width
            out.pointee.height = height
            guard av_frame_get_buffer(out, 0) >= 0 else { throw .outputFailed("Out of memory converting a frame.") }
        } else if av_frame_make_writable(out) < 0 {
            throw .outputFailed("Out of memory converting a frame.")
        }
        let sourceData = UnsafeRawPointer(frame.dataArray).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        sws_scale(scaler, sourceData, frame.linesizeArray, 0, src.height, converted.dataArray, converted.linesizeArray)
        try copyProperties(from: frame)
    }

    private func copyProperties(from frame: Frame) throws(GazeError) {
        guard av_frame_copy_props(converted.pointer, frame.pointer) >= 0 else {
            throw .outputFailed("Out of memory converting a frame.")
        }
        converted.pointer.pointee.color_range = frame.pointer.pointee.color_range == AVCOL_RANGE_JPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
    }
}

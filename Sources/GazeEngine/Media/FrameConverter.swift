import CFFmpeg

/// Brings decoded frames to the one layout the engine and encoder work on: 8-bit 4:2:0 with even sides.
///
/// 8-bit 4:2:0 frames (limited or full range) of even size pass through untouched. Anything else (10-bit,
/// 4:2:2, 4:4:4, a mid-stream size change) is converted with libswscale, keeping range and matrix. H.264
/// in 4:2:0 cannot code an odd width or height (it crops in steps of two), so an odd-sized picture is kept
/// whole and padded by one repeated column or row.
final class FrameConverter {
    /// The picture size of the source stream.
    let sourceWidth: Int32
    let sourceHeight: Int32
    /// The coded size: the source size rounded up to even.
    let width: Int32
    let height: Int32
    private var scaler: OpaquePointer?
    private var scalerSource: (format: Int32, width: Int32, height: Int32)?
    private let converted: Frame

    init(width: Int32, height: Int32) throws(GazeError) {
        sourceWidth = width
        sourceHeight = height
        self.width = (width + 1) & ~1
        self.height = (height + 1) & ~1
        do {
            converted = try Frame()
        } catch {
            throw .outputFailed("Out of memory (\(error)).")
        }
    }

    deinit { sws_freeContext(scaler) }

    /// Returns `frame` itself when it is already 8-bit 4:2:0 of the coded size, else the converted copy
    /// (owned by this converter, valid until the next call). Either way, the result may be written to.
    func prepare(_ frame: Frame) throws(GazeError) -> Frame {
        let f = frame.pointer
        let format = AVPixelFormat(f.pointee.format)
        let is420 = format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P
        if is420, format == AV_PIX_FMT_YUVJ420P {
            // Same bytes as yuv420p; the full range travels as a tag instead of a pixel format.
            f.pointee.format = AV_PIX_FMT_YUV420P.rawValue
            f.pointee.color_range = AVCOL_RANGE_JPEG
        }
        if is420, f.pointee.width == width, f.pointee.height == height { return frame }

        try converted.makeWritable420(width: width, height: height)
        if is420, f.pointee.width == sourceWidth, f.pointee.height == sourceHeight {
            copyPlanes(from: frame)
        } else {
            try scale(frame)
        }
        padEdges()
        guard av_frame_copy_props(converted.pointer, frame.pointer) >= 0 else {
            throw .outputFailed("Out of memory converting a frame.")
        }
        converted.pointer.pointee.color_range = f.pointee.color_range == AVCOL_RANGE_JPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
        return converted
    }

    /// Copies an odd-sized 4:2:0 picture into the top-left of the even-sized frame.
    private func copyPlanes(from frame: Frame) {
        guard let source = frame.planes, let destination = converted.planes else { return }
        for (from, to) in [(source.y, destination.y), (source.u, destination.u), (source.v, destination.v)] {
            to.copy(from)
        }
    }

    /// Converts any pixel format or size to 4:2:0 at the source size, in the top-left of the coded frame.
    private func scale(_ frame: Frame) throws(GazeError) {
        let src = frame.pointer.pointee
        let source = (format: src.format, width: src.width, height: src.height)
        if scalerSource.map({ $0 != source }) ?? true {
            sws_freeContext(scaler)
            scaler = sws_getContext(src.width, src.height, AVPixelFormat(src.format), sourceWidth, sourceHeight, AV_PIX_FMT_YUV420P,
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
        let sourceData = UnsafeRawPointer(frame.dataArray).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        sws_scale(scaler, sourceData, frame.linesizeArray, 0, src.height, converted.dataArray, converted.linesizeArray)
    }

    /// Repeats the last column and row of an odd-sized luma plane into the padding (chroma already covers it).
    private func padEdges() {
        guard let planes = converted.planes else { return }
        let y = planes.y
        if sourceWidth < width {
            let last = Int(sourceWidth) - 1
            for row in 0..<Int(sourceHeight) { (y.base + row * y.stride)[last + 1] = (y.base + row * y.stride)[last] }
        }
        if sourceHeight < height {
            let last = Int(sourceHeight) - 1
            (y.base + (last + 1) * y.stride).update(from: y.base + last * y.stride, count: Int(width))
        }
    }
}

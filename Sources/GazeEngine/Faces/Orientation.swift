import CFFmpeg

/// How the coded picture turns to stand upright for the viewer, read from the stream's display matrix.
///
/// Phones record in the sensor's landscape orientation and tag the stream with a rotation: in the coded
/// pictures a portrait presenter lies on their side, where the face detector and the landmark model (which
/// only know upright faces) find nothing. Faces are therefore looked for and eyes measured in an upright copy
/// of the luma plane, and what was found there is turned back onto the coded planes, which are warped and
/// encoded as they came, tag and all.
struct Orientation: Equatable {
    /// Clockwise quarter turns from the coded picture to the upright one, 0…3.
    let quarterTurns: Int

    static let upright = Orientation(quarterTurns: 0)

    init(quarterTurns: Int) {
        self.quarterTurns = (quarterTurns % 4 + 4) % 4
    }

    /// The stream's rotation, to the nearest quarter turn; upright when it has no display matrix. A mirrored
    /// matrix (rare) is read for its rotation only.
    init(stream: UnsafeMutablePointer<AVStream>) {
        var size: Int = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size),
              size >= 9 * MemoryLayout<Int32>.size else {
            self = .upright
            return
        }
        // av_display_rotation_get gives the counter-clockwise angle (NaN for a degenerate matrix); players
        // turn the picture clockwise by its negation, as FFmpeg's own autorotation does.
        let counterClockwise = data.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        guard counterClockwise.isFinite else {
            self = .upright
            return
        }
        self.init(quarterTurns: Int((-counterClockwise / 90).rounded()))
    }

    /// The upright picture's size for a coded one of `width`×`height`.
    func uprightSize(width: Int, height: Int) -> (width: Int, height: Int) {
        quarterTurns % 2 == 0 ? (width, height) : (height, width)
    }

    /// An upright-picture position → the coded picture's (pixel centres at whole numbers, so the mapping is
    /// exact for pixels), for a coded picture of `width`×`height`.
    func toCoded(_ p: SIMD2<Float>, width: Int, height: Int) -> SIMD2<Float> {
        let w = Float(width - 1), h = Float(height - 1)
        switch quarterTurns {
        case 1: return SIMD2(p.y, h - p.x)
        case 2: return SIMD2(w - p.x, h - p.y)
        case 3: return SIMD2(w - p.y, p.x)
        default: return p
        }
    }

    /// A rectangle given by two opposite corners, upright → coded: a quarter turn maps it to a rectangle,
    /// returned as its smallest and largest corner.
    func toCoded(rectangle a: SIMD2<Float>, _ b: SIMD2<Float>, width: Int, height: Int) -> (min: SIMD2<Float>, max: SIMD2<Float>) {
        let p = toCoded(a, width: width, height: height), q = toCoded(b, width: width, height: height)
        return (pointwiseMin(p, q), pointwiseMax(p, q))
    }

    /// A rectangle given by two opposite corners, coded → upright: the inverse of `toCoded(rectangle:)`.
    func toUpright(rectangle a: SIMD2<Float>, _ b: SIMD2<Float>, width: Int, height: Int) -> (min: SIMD2<Float>, max: SIMD2<Float>) {
        let (w, h) = uprightSize(width: width, height: height)
        return Orientation(quarterTurns: -quarterTurns).toCoded(rectangle: a, b, width: w, height: h)
    }

    /// An upright-picture direction → the coded picture's: the linear part of the position mapping (whose
    /// offsets vanish for a 1×1 picture).
    func toCoded(direction v: SIMD2<Float>) -> SIMD2<Float> {
        toCoded(v, width: 1, height: 1)
    }

    /// An eye found upright, placed on the coded picture. Eye coordinates (along and across the corner line,
    /// in eye widths) are the same in both, so the warp field built upright applies to the coded planes as is.
    func toCoded(_ eye: EyeGeometry, width: Int, height: Int) -> EyeGeometry {
        var coded = eye
        coded.center = toCoded(eye.center, width: width, height: height)
        coded.axisU = toCoded(direction: eye.axisU)
        coded.axisN = toCoded(direction: eye.axisN)
        return coded
    }

    /// A face's analysis found upright, in the coded picture's pixels (gaze offsets and angles stay as the
    /// viewer sees them).
    func toCoded(_ face: FaceAnalysis, width: Int, height: Int) -> FaceAnalysis {
        guard quarterTurns != 0 else { return face }
        let point = { (p: [Float]) -> [Float] in
            let q = toCoded(SIMD2(p[0], p[1]), width: width, height: height)
            return [q.x, q.y]
        }
        var coded = face
        let box = toCoded(rectangle: SIMD2(face.box[0], face.box[1]), SIMD2(face.box[2], face.box[3]), width: width, height: height)
        coded.box = [box.min.x, box.min.y, box.max.x, box.max.y]
        coded.eyeLandmarks = face.eyeLandmarks.map(point)
        coded.irisCenters = face.irisCenters.map { $0.map(point) }
        return coded
    }
}

/// An upright copy of a coded luma plane, in a buffer it owns and reuses from frame to frame.
final class UprightLuma {
    private var buffer: UnsafeMutableBufferPointer<UInt8> = .init(start: nil, count: 0)

    deinit {
        buffer.deallocate()
    }

    /// `coded` turned upright by `orientation` (or `coded` itself when it already is). The view is valid
    /// until the next call.
    func view(of coded: LumaView, turnedBy orientation: Orientation) -> LumaView {
        guard orientation.quarterTurns != 0 else { return coded }
        let (width, height) = orientation.uprightSize(width: coded.width, height: coded.height)
        if buffer.count < width * height {
            buffer.deallocate()
            buffer = .allocate(capacity: width * height)
        }
        guard let out = buffer.baseAddress else { return coded }
        // A quarter turn is affine on byte offsets: the coded offset of upright (x, y) is o + x·dx + y·dy.
        let offset = { (p: SIMD2<Float>) -> Int in
            let c = orientation.toCoded(p, width: coded.width, height: coded.height)
            return Int(c.y) * coded.stride + Int(c.x)
        }
        let origin = offset(.zero), dx = offset(SIMD2(1, 0)) - origin, dy = offset(SIMD2(0, 1)) - origin
        // In tiles, so that the column-wise reads of a quarter turn stay in cache.
        let tile = 64
        for ty in stride(from: 0, to: height, by: tile) {
            for tx in stride(from: 0, to: width, by: tile) {
                for y in ty..<min(ty + tile, height) {
                    let row = out + y * width, start = origin + y * dy
                    for x in tx..<min(tx + tile, width) {
                        // Safe: (x, y) is inside the upright picture, so its coded position is inside `coded`.
                        row[x] = coded.base[start + x * dx]
                    }
                }
            }
        }
        return LumaView(base: UnsafePointer(out), width: width, height: height, stride: width)
    }
}

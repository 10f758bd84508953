/// A borrowed 8-bit luma plane: valid only inside the closure that handed it out.
struct LumaView {
    var base: UnsafePointer<UInt8>
    var width: Int
    var height: Int
    /// Bytes from one row to the next (libavcodec pads rows, so this is often more than `width`).
    var stride: Int
}

/// An axis-aligned face rectangle in pixel coordinates of the frame it was found in.
public struct FaceBox: Sendable, Equatable {
    public var left: Float
    public var top: Float
    public var right: Float
    public var bottom: Float

    public init(left: Float, top: Float, right: Float, bottom: Float) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    public var width: Float { right - left }
    public var height: Float { bottom - top }
    public var center: SIMD2<Float> { SIMD2((left + right) / 2, (top + bottom) / 2) }

    /// The same box in a frame scaled by `factor` (detection runs on a reduced luma plane).
    func scaled(by factor: Float) -> FaceBox {
        FaceBox(left: left * factor, top: top * factor, right: right * factor, bottom: bottom * factor)
    }

    /// Whether `point` lies strictly inside the box.
    func contains(_ point: SIMD2<Float>) -> Bool {
        point.x > left && point.x < right && point.y > top && point.y < bottom
    }

    /// Intersection over union, used to match detections to tracked faces.
    func iou(_ other: FaceBox) -> Float {
        let w = max(0, min(right, other.right) - max(left, other.left))
        let h = max(0, min(bottom, other.bottom) - max(top, other.top))
        let inter = w * h
        let union = width * height + other.width * other.height - inter
        return union > 0 ? inter / union : 0
    }
}

/// dlib's 68-point face landmarks (iBUG 300-W order), in frame pixel coordinates.
public struct FaceLandmarks: Sendable, Equatable {
    public var points: [SIMD2<Float>]

    public init(points: [SIMD2<Float>]) {
        precondition(points.count == 68, "the 68-point model yields 68 points")
        self.points = points
    }

    /// Points 36–41: the eye on the image's left (the subject's right eye), clockwise from the outer corner.
    public var leftEye: ArraySlice<SIMD2<Float>> { points[36...41] }
    /// Points 42–47: the eye on the image's right.
    public var rightEye: ArraySlice<SIMD2<Float>> { points[42...47] }

    /// The tight bounding box of all points, used to follow the face between detections.
    public var bounds: FaceBox {
        var lo = points[0], hi = points[0]
        for p in points {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        return FaceBox(left: lo.x, top: lo.y, right: hi.x, bottom: hi.y)
    }
}

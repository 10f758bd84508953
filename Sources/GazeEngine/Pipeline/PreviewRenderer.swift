import CFFmpeg

/// A picture of the work instead of the finished product: `split` puts the input (left) beside the output
/// (right); `overlay` draws the eye landmarks, iris centres and correction weight on the output.
public enum PreviewMode: String, Sendable, Codable, CaseIterable {
    case split, overlay
}

/// Turns each processed frame into its preview. One per pipeline; frames stay 8-bit 4:2:0.
final class PreviewRenderer {
    let mode: PreviewMode
    /// For `split`: the double-width picture handed to the encoder, reused (copied only while the encoder holds it).
    private let canvas: Frame
    /// How the coded frames turn upright: the weight bar goes above each face as the viewer sees it.
    private let orientation: Orientation

    init(mode: PreviewMode, orientation: Orientation = .upright) throws(GazeError) {
        self.mode = mode
        self.orientation = orientation
        canvas = try Frame.allocate()
    }

    /// The encoded picture size for frames of `width` × `height`.
    static func outputWidth(_ mode: PreviewMode?, width: Int32) -> Int32 { mode == .split ? width * 2 : width }

    /// What `render` will need of `frame` besides its warped self: for `split`, a second reference to the input
    /// picture (the warp then copies before it writes). Call before the frame is warped.
    func original(of frame: Frame) throws(GazeError) -> Frame? {
        mode == .split ? try frame.reference() : nil
    }

    /// The picture to encode for `output` (already warped), what `original(of:)` kept of it, and what was found in it.
    func render(_ output: Frame, original: Frame?, analysis: FrameAnalysis?) throws(GazeError) -> Frame {
        switch mode {
        case .split:
            return try sideBySide(original ?? output, output)
        case .overlay:
            let planes = try output.writablePlanes()
            for face in analysis?.faces ?? [] { draw(face, on: planes) }
            return output
        }
    }

    private func sideBySide(_ left: Frame, _ right: Frame) throws(GazeError) -> Frame {
        try canvas.makeWritable420(width: right.pointer.pointee.width * 2, height: right.pointer.pointee.height)
        guard let target = canvas.planes, let a = left.planes, let b = right.planes,
            av_frame_copy_props(canvas.pointer, right.pointer) >= 0
        else { throw .outputFailed("Out of memory preparing a preview.") }
        for (to, from, column) in [(target.y, a.y, 0), (target.y, b.y, b.y.width), (target.u, a.u, 0), (target.u, b.u, b.u.width),
                                   (target.v, a.v, 0), (target.v, b.v, b.v.width)] {
            to.copy(from, toColumn: column)  // the canvas is twice as wide as both frames
        }
        return canvas
    }

    // MARK: - Overlay drawing

    private struct Colour { var y: UInt8, u: UInt8, v: UInt8 }
    private static let green = Colour(y: 145, u: 54, v: 34), red = Colour(y: 81, u: 90, v: 240)
    private static let yellow = Colour(y: 210, u: 16, v: 146), grey = Colour(y: 60, u: 128, v: 128)

    private func draw(_ face: FaceAnalysis, on planes: YUVPlanes) {
        guard face.box.count == 4 else { return }
        let (width, height) = (planes.y.width, planes.y.height)
        // The face box as the viewer sees it (the analysis is in coded pixels).
        let box = orientation.toUpright(rectangle: SIMD2(face.box[0], face.box[1]), SIMD2(face.box[2], face.box[3]),
                                        width: width, height: height)
        let (left, top, right) = (box.min.x, box.min.y, box.max.x)
        let size = max(1, Int(right - left) / 120)
        for point in face.eyeLandmarks where point.count == 2 {
            Self.fill(planes, Int(point[0]) - size, Int(point[1]) - size, Int(point[0]) + size, Int(point[1]) + size, Self.green)
        }
        let arm = max(3, Int(right - left) / 30)
        for case let centre? in face.irisCenters where centre.count == 2 {
            let (x, y) = (Int(centre[0]), Int(centre[1]))
            Self.fill(planes, x - arm, y, x + arm, y, Self.red)
            Self.fill(planes, x, y - arm, x, y + arm, Self.red)
        }
        // The correction weight as a bar above the face: the filled part is the weight, yellow while blinking.
        let barTop = max(0, top - Float(4 * size + 6)), barBottom = barTop + Float(2 * size + 2)
        let filled = left + (right - left) * min(1, max(0, face.gateWeight))
        fillUpright(planes, left, barTop, right, barBottom, Self.grey)
        if filled > left { fillUpright(planes, left, barTop, filled, barBottom, face.blinking ? Self.yellow : Self.green) }
    }

    /// Paints a rectangle given in the upright picture's pixels onto the coded planes (a quarter turn maps it
    /// to a rectangle).
    private func fillUpright(_ planes: YUVPlanes, _ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, _ colour: Colour) {
        let r = orientation.toCoded(rectangle: SIMD2(x0, y0), SIMD2(x1, y1), width: planes.y.width, height: planes.y.height)
        Self.fill(planes, Int(r.min.x), Int(r.min.y), Int(r.max.x), Int(r.max.y), colour)
    }

    /// Paints the rectangle x0…x1 × y0…y1 (inclusive, clipped) on all three planes.
    private static func fill(_ planes: YUVPlanes, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ colour: Colour) {
        fill(planes.y, x0, y0, x1, y1, colour.y)
        fill(planes.u, x0 / 2, y0 / 2, x1 / 2, y1 / 2, colour.u)
        fill(planes.v, x0 / 2, y0 / 2, x1 / 2, y1 / 2, colour.v)
    }

    private static func fill(_ plane: Plane, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ value: UInt8) {
        let (left, right) = (max(0, x0), min(plane.width - 1, x1))
        let (top, bottom) = (max(0, y0), min(plane.height - 1, y1))
        guard left <= right, top <= bottom else { return }
        for row in top...bottom { (plane.base + row * plane.stride + left).update(repeating: value, count: right - left + 1) }
    }
}

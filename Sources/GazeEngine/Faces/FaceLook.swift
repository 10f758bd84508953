/// A face's look in one frame: its inner face (brows to chin, cheek to cheek) shrunk to a 16×16 thumbnail, to
/// tell whether a landmark fit still sits on the face it sat on a frame before. The predictor, started from a
/// box the face has moved out of by a fifth of its width or more, does not follow it: it fits the same place
/// again, at the same size, so only the pixels under the fit show that it lost the face.
struct FaceLook {
    static let side = 16
    /// The thumbnail with its mean taken out, scaled to unit length.
    private var pixels: [Float]

    /// The look of the face within `bounds` (the landmarks' bounds); `nil` when too little of it is in the frame.
    init?(_ luma: LumaView, bounds: FaceBox, resampler: LumaResampler) {
        let inset = bounds.width * 0.15
        guard let (region, _) = luma.cropped(x0: Int(bounds.left + inset), y0: Int(bounds.top), x1: Int(bounds.right - inset),
                                             y1: Int(bounds.top + bounds.height * 0.9)) else { return nil }
        // Area averaging (libswscale) rather than point samples, so sensor noise and grain average out.
        var pixels = resampler.resample(region, width: Self.side, height: Self.side) { thumbnail in
            (0..<Self.side).flatMap { row in (0..<Self.side).map { Float(thumbnail.base[row * thumbnail.stride + $0]) } }
        }
        let mean = pixels.reduce(0, +) / Float(pixels.count)
        let length = pixels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }.squareRoot()
        pixels = pixels.map { ($0 - mean) / max(length, 1e-3) }
        self.pixels = pixels
    }

    /// Normalised cross-correlation: 1 for the same picture whatever its brightness and contrast, near 0 for
    /// unrelated ones (and for a flat region, which has no look).
    func similarity(to other: FaceLook) -> Float {
        zip(pixels, other.pixels).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

/// One face's eyes as one frame shows them: the landmarks (eye points smoothed), each eye and the iris found in
/// it, and how open the eyes are. Read once, when the frame is observed: the frames before it look ahead at its
/// openness, and its own correction starts from the irises found here.
struct SeenEyes {
    let landmarks: FaceLandmarks
    /// Image-left eye first; nil where the landmarks give no eye.
    let eyes: [EyeGeometry?]
    /// The iris found in each eye, nil where there is none.
    let irises: [IrisEstimate?]
    /// The less open eye's aspect ratio by its landmarks, 0 when an eye's landmarks are degenerate.
    let openness: Float
    /// The dark band over the irises (`IrisEstimate.height`), both eyes averaged; nil when neither eye shows one.
    let irisHeight: Float?

    init(landmarks: FaceLandmarks, luma: LumaView, locator: IrisLocator) {
        self.landmarks = landmarks
        eyes = [EyeGeometry(points: landmarks.leftEye), EyeGeometry(points: landmarks.rightEye)]
        irises = eyes.map { eye in eye.flatMap { locator.locate(in: luma, eye: $0) } }
        openness = eyes.map { $0?.aspectRatio ?? 0 }.min() ?? 0
        let heights = irises.compactMap { $0?.height }
        irisHeight = heights.isEmpty ? nil : heights.reduce(0, +) / Float(heights.count)
    }

    /// The blink gate's view of these eyes at `time`.
    func sample(at time: Double) -> BlinkGate.Sample {
        BlinkGate.Sample(time: time, openness: openness, irisHeight: irisHeight)
    }
}

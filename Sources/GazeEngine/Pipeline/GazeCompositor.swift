import CFFmpeg

/// One frame's findings, for `--analyze` and diagnostics.
public struct FrameAnalysis: Sendable, Codable, Equatable {
    public var index: Int
    /// Presentation time in seconds.
    public var time: Double
    public var faces: [FaceAnalysis]
}

/// The faces → eyes → warp stage for one pipeline: finds and follows faces, estimates each face's gaze and
/// warps its eyes in the frame's planes. Frames without a face, and pixels outside the eye regions, are
/// never written.
final class GazeCompositor {
    private let tracker: FaceTracker
    private let settings: CorrectionSettings
    private let orientation: Orientation
    private let upright = UprightLuma()
    private let locator = IrisLocator()
    private let warper = EyeWarper()
    private var correctors: [Int: GazeCorrector] = [:]
    private var clock = WorkClock()

    /// Time spent so far per part: detection and landmarks (in the tracker), iris and gaze, warp.
    var work: WorkClock {
        var total = clock
        total.add(tracker.clock)
        return total
    }

    /// - Parameter orientation: how the coded frames turn upright (faces are looked for upright).
    init(predictor: ShapePredictor, settings: CorrectionSettings, detection: DetectionSettings,
         orientation: Orientation = .upright) throws(GazeError) {
        tracker = try FaceTracker(predictor: predictor, settings: detection)
        self.settings = settings
        self.orientation = orientation
    }

    /// Analyses `frame` and, when `render` is set, warps it in place. Positions in the analysis are the coded
    /// frame's pixels.
    ///
    /// - Precondition: `frame` is 8-bit 4:2:0 (see `FrameConverter`).
    func process(_ frame: Frame, index: Int, time: Double, render: Bool) throws(GazeError) -> FrameAnalysis {
        guard let planes = frame.planes else { return FrameAnalysis(index: index, time: time, faces: []) }
        let coded = planes.y.luma
        let luma = clock.measure(.detect) { upright.view(of: coded, turnedBy: orientation) }
        let faces = tracker.faces(in: luma)
        var analyses: [FaceAnalysis] = []
        var fields: [EyeWarpField] = []
        var seen: [Int: GazeCorrector] = [:]
        for face in faces {
            // A face found after the first frame eases in rather than jumping to its full correction.
            var corrector = correctors[face.id] ?? GazeCorrector(fullFromStart: index == 0)
            let (faceFields, analysis) = clock.measure(.iris) {
                corrector.update(landmarks: face.landmarks, luma: luma, time: time, settings: settings, iris: locator)
            }
            seen[face.id] = corrector
            fields += faceFields.map { field in
                var onCoded = field
                onCoded.eye = orientation.toCoded(field.eye, width: coded.width, height: coded.height)
                return onCoded
            }
            analyses.append(orientation.toCoded(analysis, width: coded.width, height: coded.height))
        }
        correctors = seen  // faces no longer tracked lose their smoothing state
        guard render, !fields.isEmpty else { return FrameAnalysis(index: index, time: time, faces: analyses) }

        // The decoder may still reference this buffer (as a reference picture): copy it only now that we write.
        let writable = try frame.writablePlanes()
        clock.measure(.warp) {
            for field in fields {
                warper.apply(field, to: writable.y, scale: 1)
                warper.apply(field, to: writable.u, scale: 0.5)
                warper.apply(field, to: writable.v, scale: 0.5)
            }
        }
        return FrameAnalysis(index: index, time: time, faces: analyses)
    }
}

import CFFmpeg

/// One frame's findings, for `--analyze` and diagnostics.
public struct FrameAnalysis: Sendable, Codable, Equatable {
    public var index: Int
    /// Presentation time in seconds.
    public var time: Double
    public var faces: [FaceAnalysis]
}

/// The faces found in one frame, kept until the frame is warped.
struct ObservedFrame {
    struct Face {
        var id: Int
        var seen: SeenEyes
    }

    var index: Int
    /// Presentation time in seconds.
    var time: Double
    let faces: [Face]
    /// The widest face's width (landmark bounds), 0 without a face: found once here, read by every frame that
    /// holds this one in its window.
    let widestFace: Float

    init(index: Int, time: Double, faces: [Face]) {
        self.index = index
        self.time = time
        self.faces = faces
        widestFace = faces.map(\.seen.landmarks.bounds.width).max() ?? 0
    }
}

/// The faces → eyes → warp stage for one pipeline, in two steps a fixed look-ahead apart: `observe` finds and
/// follows the faces of each frame as it is decoded; `finish`, once the pipeline holds the frames after it,
/// estimates each face's gaze and warps its eyes in the frame's planes, knowing how the lids move next and
/// whether the face is still followed.
/// Frames without a face, and pixels outside the eye regions, are never written.
final class GazeCompositor {
    /// Seconds of frames the pipeline should hold between `observe` and `finish` (see `BlinkGate`).
    static let lookAheadSeconds = BlinkGate.lookAheadSeconds

    private let tracker: FaceTracker
    private let settings: CorrectionSettings
    private let orientation: Orientation
    private let upright = UprightLuma()
    private let locator = IrisLocator()
    private let warper = EyeWarper()
    private var smoothers: [Int: EyeLandmarkSmoother] = [:]
    private var correctors: [Int: GazeCorrector] = [:]
    /// The widest face of each frame finished in the last `lookAheadSeconds`.
    private var recentWidest: [(time: Double, width: Float)] = []
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

    /// Finds the faces of `frame`, the next frame in presentation order, smooths their eye landmarks and finds
    /// their irises.
    ///
    /// - Precondition: `frame` is 8-bit 4:2:0 (see `FrameConverter`).
    func observe(_ frame: Frame, index: Int, time: Double) -> ObservedFrame {
        guard let planes = frame.planes else { return ObservedFrame(index: index, time: time, faces: []) }
        let luma = clock.measure(.detect) { upright.view(of: planes.y.luma, turnedBy: orientation) }
        var kept: [Int: EyeLandmarkSmoother] = [:]
        let faces = tracker.faces(in: luma).map { face in
            var smoother = smoothers[face.id] ?? EyeLandmarkSmoother()
            let landmarks = smoother.smooth(face.landmarks, at: time)
            kept[face.id] = smoother
            let eyes = clock.measure(.iris) { SeenEyes(landmarks: landmarks, luma: luma, locator: locator) }
            return ObservedFrame.Face(id: face.id, seen: eyes)
        }
        smoothers = kept  // faces no longer tracked lose their smoothing state
        return ObservedFrame(index: index, time: time, faces: faces)
    }

    /// Decides the correction of each face `observed` in `frame` and, when `render` is set, warps the frame in
    /// place. `ahead` are the frames observed after it, in order. Positions in the analysis are the coded
    /// frame's pixels.
    ///
    /// - Precondition: frames are finished in the order they were observed, `frame` being the one `observed` describes.
    func finish(_ frame: Frame, observed: ObservedFrame, ahead: [ObservedFrame], render: Bool) throws(GazeError) -> FrameAnalysis {
        let (index, time) = (observed.index, observed.time)
        guard let planes = frame.planes else { return FrameAnalysis(index: index, time: time, faces: []) }
        let coded = planes.y.luma
        // The upright picture again: its buffer has held later frames since this one was observed.
        let luma = clock.measure(.detect) { upright.view(of: coded, turnedBy: orientation) }
        var analyses: [FaceAnalysis] = []
        var fields: [EyeWarpField] = []
        var seen: [Int: GazeCorrector] = [:]
        let widest = widestFace(around: observed, ahead: ahead)
        for face in observed.faces {
            // A face found after the first frame eases in rather than jumping to its full correction.
            var corrector = correctors[face.id] ?? GazeCorrector(id: face.id, fullFromStart: index == 0)
            var faceAhead = GazeCorrector.Ahead()
            for later in ahead {
                guard let same = later.faces.first(where: { $0.id == face.id }) else {
                    faceAhead.trackEndsIn = later.time - time  // a track that ends does not come back under its id
                    break
                }
                faceAhead.samples.append(same.seen.sample(at: later.time))
            }
            let (faceFields, analysis) = clock.measure(.iris) {
                corrector.update(seen: face.seen, ahead: faceAhead, share: face.seen.landmarks.bounds.width / widest, luma: luma,
                                 time: time, settings: settings)
            }
            seen[face.id] = corrector
            fields += faceFields.map { field in
                var onCoded = field
                onCoded.eye = orientation.toCoded(field.eye, width: coded.width, height: coded.height)
                return onCoded
            }
            analyses.append(orientation.toCoded(analysis, width: coded.width, height: coded.height))
        }
        correctors = seen  // faces no longer tracked lose their gaze state
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

    /// The widest face within `lookAheadSeconds` either side of `observed`, which the other faces are measured
    /// against to tell a bystander: a presenter hidden for a moment (a hand over the face, a turn to profile)
    /// does not make the person behind them the one to correct.
    private func widestFace(around observed: ObservedFrame, ahead: [ObservedFrame]) -> Float {
        recentWidest.removeAll { observed.time - $0.time > Self.lookAheadSeconds }
        recentWidest.append((observed.time, observed.widestFace))
        return max(1, recentWidest.map(\.width).max() ?? 0, ahead.map(\.widestFace).max() ?? 0)
    }
}

/// How often and at what scale faces are searched for.
public struct DetectionSettings: Sendable, Equatable, Codable {
    /// Search the whole frame for new faces every this many frames while faces are being followed …
    public var fullInterval: Int
    /// … and this often while none is, so a face that comes into view is found within a third of a second.
    public var searchInterval: Int
    /// Re-detect each followed face in a window around it this often, to re-anchor its landmarks.
    public var refreshInterval: Int
    /// Whole-frame searches run on the luma plane shrunk to at most this many pixels (HOG cost grows with area).
    public var maxPixels: Int

    public init(fullInterval: Int = 60, searchInterval: Int = 10, refreshInterval: Int = 10, maxPixels: Int = 960 * 540) {
        self.fullInterval = fullInterval
        self.searchInterval = searchInterval
        self.refreshInterval = refreshInterval
        self.maxPixels = maxPixels
    }
}

/// A face followed across frames, with a stable id for per-face state.
struct TrackedFace {
    var id: Int
    var landmarks: FaceLandmarks
}

/// Finds faces and follows them by re-fitting landmarks to the last box, re-anchoring every few frames.
///
/// The predictor, fitted to last frame's box, lands on the moved face as long as it moved less than about
/// a tenth of its size, which holds at video frame rates. Every `refreshInterval` frames each face is
/// re-detected in a small window around it (a few milliseconds: the window is scaled so the face is just
/// above the detector's 80 px minimum); the whole frame is searched rarely, or often while no face is known.
/// A face the detector misses twice in a row is dropped.
final class FaceTracker {
    private struct Track {
        var id: Int
        var box: FaceBox
        /// The detector's box relative to the landmarks' bounds, so later boxes look like detector boxes.
        var anchor: (left: Float, top: Float, right: Float, bottom: Float) = (0, 0, 0, 0)
        var unconfirmed = 0
        var fresh = true
        /// Box width at the last detection: a followed face does not shrink or grow fast between detections.
        var detectedWidth: Float

        mutating func confirm(with detection: FaceBox) {
            box = detection
            detectedWidth = detection.width
            fresh = true
            unconfirmed = 0
        }
    }

    private let detector: FaceDetector
    private let predictor: ShapePredictor
    private let resampler = LumaResampler()
    private let settings: DetectionSettings
    private var tracks: [Track] = []
    private var nextID = 0
    private var framesSinceFull = Int.max / 2
    private var framesSinceRefresh = 0
    private(set) var clock = WorkClock()

    init(predictor: ShapePredictor, settings: DetectionSettings) throws(GazeError) {
        detector = try FaceDetector()
        self.predictor = predictor
        self.settings = settings
    }

    /// The faces in this frame's luma plane.
    func faces(in luma: LumaView) -> [TrackedFace] {
        framesSinceFull += 1
        framesSinceRefresh += 1
        if framesSinceFull >= (tracks.isEmpty ? settings.searchInterval : settings.fullInterval) {
            clock.measure(.detect) { searchWholeFrame(luma) }
            framesSinceFull = 0
            framesSinceRefresh = 0
        } else if framesSinceRefresh >= settings.refreshInterval {
            refreshTracks(luma)
            framesSinceRefresh = 0
        }
        var faces: [TrackedFace] = []
        var kept: [Track] = []
        for var track in tracks {
            // A face that moved too far for the landmarks to follow gets one re-detection in its window first.
            var landmarks = follow(&track, in: luma)
            if landmarks == nil, redetect(&track, in: luma) { landmarks = follow(&track, in: luma) }
            guard let landmarks else {
                framesSinceFull = Int.max / 2  // gone: search the whole frame on the next one
                continue
            }
            kept.append(track)
            faces.append(TrackedFace(id: track.id, landmarks: landmarks))
        }
        tracks = kept
        return faces
    }

    /// Fits the landmarks to the track's box and moves the box with them; `nil` when they no longer fit a face.
    private func follow(_ track: inout Track, in luma: LumaView) -> FaceLandmarks? {
        let landmarks = clock.measure(.landmarks) { predictor.landmarks(in: luma, box: track.box) }
        let bounds = landmarks.bounds
        // Landmarks that collapse, explode or drift in size mean the face is lost.
        let ratio = bounds.width / max(1, track.box.width)
        let drift = track.box.width / max(1, track.detectedWidth)
        guard ratio > 0.5, ratio < 2, drift > 0.7, drift < 1.4, bounds.width >= 12 else { return nil }
        if track.fresh {
            track.anchor = ((track.box.left - bounds.left) / bounds.width, (track.box.top - bounds.top) / bounds.height,
                            (track.box.right - bounds.right) / bounds.width, (track.box.bottom - bounds.bottom) / bounds.height)
            track.fresh = false
        }
        track.box = FaceBox(left: bounds.left + track.anchor.left * bounds.width,
                            top: bounds.top + track.anchor.top * bounds.height,
                            right: bounds.right + track.anchor.right * bounds.width,
                            bottom: bounds.bottom + track.anchor.bottom * bounds.height)
        return landmarks
    }

    /// Detects on the whole frame, shrunk to `maxPixels` (small frames are doubled to find ~40 px faces).
    private func searchWholeFrame(_ luma: LumaView) {
        let shrink = min(1, (Float(settings.maxPixels) / Float(luma.width * luma.height)).squareRoot())
        let width = max(1, Int((Float(luma.width) * shrink).rounded())), height = max(1, Int((Float(luma.height) * shrink).rounded()))
        let upsample = width * height <= 640 * 360
        let found = resampler.resample(luma, width: width, height: height) { detector.detect(in: $0, upsample: upsample) }
            .map { $0.scaled(by: Float(luma.width) / Float(width)) }
        var matched = Set<Int>()
        for box in found {
            let candidates = tracks.indices.filter { !matched.contains($0) }
            if let best = candidates.max(by: { tracks[$0].box.iou(box) < tracks[$1].box.iou(box) }), tracks[best].box.iou(box) > 0.3 {
                tracks[best].confirm(with: box)
                matched.insert(best)
            } else {
                tracks.append(Track(id: nextID, box: box, detectedWidth: box.width))
                matched.insert(tracks.count - 1)
                nextID += 1
            }
        }
        for index in tracks.indices where !matched.contains(index) {
            // A track sitting on a face that a detection claimed for another track has drifted: a duplicate.
            let claimed = found.contains { $0.contains(tracks[index].box.center) }
            tracks[index].unconfirmed += claimed ? 2 : 1
        }
        tracks.removeAll { $0.unconfirmed >= 2 }
    }

    /// Re-detects each followed face in its window; a face missed twice in a row is dropped.
    private func refreshTracks(_ luma: LumaView) {
        for index in tracks.indices where !redetect(&tracks[index], in: luma) { tracks[index].unconfirmed += 1 }
        if tracks.contains(where: { $0.unconfirmed >= 2 }) { framesSinceFull = Int.max / 2 }
        tracks.removeAll { $0.unconfirmed >= 2 }
    }

    /// Detects the face again in a window of about twice its size around it; re-anchors the track if found.
    private func redetect(_ track: inout Track, in luma: LumaView) -> Bool {
        clock.measure(.detect) {
            let box = track.box
            // Sized from the last detection, so a box that the landmarks squeezed still gets a whole-face window.
            let size = max(box.width, track.detectedWidth), reach = size * 1.1
            guard let (window, origin) = luma.cropped(x0: Int(box.center.x - reach), y0: Int(box.center.y - reach),
                                                      x1: Int(box.center.x + reach), y1: Int(box.center.y + reach)) else { return false }
            // Scale the window so the face is about 110 px: above HOG's 80 px window, and no bigger than needed.
            let scale = min(1, 110 / max(size, 1))
            let width = max(16, Int(Float(window.width) * scale)), height = max(16, Int(Float(window.height) * scale))
            let found = resampler.resample(window, width: width, height: height) { detector.detect(in: $0, upsample: size < 90) }
                .map { $0.scaled(by: Float(window.width) / Float(width)) }
                .map { FaceBox(left: $0.left + origin.x, top: $0.top + origin.y, right: $0.right + origin.x, bottom: $0.bottom + origin.y) }
            // The detection nearest the face's centre, if it overlaps what we had at all.
            let near = found.filter { $0.iou(box) > 0.1 || $0.contains(box.center) }
            guard let best = near.min(by: { distance($0.center, box.center) < distance($1.center, box.center) }) else { return false }
            track.confirm(with: best)
            return true
        }
    }
}

private func distance(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
    ((a - b) * (a - b)).sum().squareRoot()
}

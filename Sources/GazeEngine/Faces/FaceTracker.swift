/// How often and at what scale faces are searched for.
public struct DetectionSettings: Sendable, Equatable, Codable {
    /// Run the detector every this many frames; in between, faces are followed through their landmarks.
    public var interval: Int
    /// Frames wider than this are shrunk before detection (HOG cost grows with the pixel count).
    public var maxWidth: Int

    public init(interval: Int = 10, maxWidth: Int = 960) {
        self.interval = interval
        self.maxWidth = maxWidth
    }
}

/// A face followed across frames, with a stable id for per-face state.
struct TrackedFace {
    var id: Int
    var landmarks: FaceLandmarks
}

/// Finds faces every few frames and follows them in between by re-fitting landmarks to the last box.
///
/// The predictor, fitted to last frame's box, lands on the moved face as long as it moved less than about
/// a tenth of its size, which holds between detections at video frame rates. A detection re-anchors every
/// track and starts new ones; a track that no detection confirms twice in a row is dropped.
final class FaceTracker {
    private struct Track {
        var id: Int
        var box: FaceBox
        /// The detector's box relative to the landmarks' bounds, so later boxes look like detector boxes.
        var anchor: (left: Float, top: Float, right: Float, bottom: Float)
        var unconfirmed = 0
        var fresh = true
        /// Box width at the last detection: a followed face does not shrink or grow fast between detections.
        var detectedWidth: Float
    }

    private let detector: FaceDetector
    private let predictor: ShapePredictor
    private let scaler: LumaScaler?
    private let upsample: Bool
    private let settings: DetectionSettings
    private var tracks: [Track] = []
    private var nextID = 0
    private var framesSinceDetection = Int.max
    private(set) var clock = WorkClock()

    init(predictor: ShapePredictor, width: Int, height: Int, settings: DetectionSettings) throws(GazeError) {
        detector = try FaceDetector()
        self.predictor = predictor
        self.settings = settings
        if width > settings.maxWidth {
            let scaledHeight = max(1, Int((Float(height) * Float(settings.maxWidth) / Float(width)).rounded()))
            scaler = try LumaScaler(sourceWidth: width, sourceHeight: height, width: settings.maxWidth, height: scaledHeight)
        } else {
            scaler = nil
        }
        // Small frames have small faces: double them so faces down to about 40 px are found.
        upsample = min(width, settings.maxWidth) <= 640
    }

    /// The faces in this frame's luma plane.
    func faces(in luma: LumaView) -> [TrackedFace] {
        framesSinceDetection = framesSinceDetection == Int.max ? Int.max : framesSinceDetection + 1
        if framesSinceDetection >= settings.interval {
            clock.measure(.detect) { detect(luma) }
            framesSinceDetection = 0
        }
        var faces: [TrackedFace] = []
        var kept: [Track] = []
        for var track in tracks {
            let landmarks = clock.measure(.landmarks) { predictor.landmarks(in: luma, box: track.box) }
            let bounds = landmarks.bounds
            // Landmarks that collapse or explode relative to the box mean the face is gone: drop it and look again.
            let ratio = bounds.width / max(1, track.box.width)
            let drift = track.box.width / max(1, track.detectedWidth)
            guard ratio > 0.5, ratio < 2, drift > 0.7, drift < 1.4, bounds.width >= 12 else {
                framesSinceDetection = settings.interval
                continue
            }
            if track.fresh {
                track.anchor = ((track.box.left - bounds.left) / bounds.width, (track.box.top - bounds.top) / bounds.height,
                                (track.box.right - bounds.right) / bounds.width, (track.box.bottom - bounds.bottom) / bounds.height)
                track.fresh = false
            }
            track.box = FaceBox(left: bounds.left + track.anchor.left * bounds.width,
                                top: bounds.top + track.anchor.top * bounds.height,
                                right: bounds.right + track.anchor.right * bounds.width,
                                bottom: bounds.bottom + track.anchor.bottom * bounds.height)
            kept.append(track)
            faces.append(TrackedFace(id: track.id, landmarks: landmarks))
        }
        tracks = kept
        return faces
    }

    private func detect(_ luma: LumaView) {
        let found: [FaceBox]
        if let scaler {
            let factor = Float(luma.width) / Float(scaler.width)
            found = scaler.scale(luma) { detector.detect(in: $0, upsample: upsample) }.map { $0.scaled(by: factor) }
        } else {
            found = detector.detect(in: luma, upsample: upsample)
        }
        var matched = Set<Int>()
        for box in found {
            let best = tracks.indices.filter { !matched.contains($0) }.max { tracks[$0].box.iou(box) < tracks[$1].box.iou(box) }
            if let best, tracks[best].box.iou(box) > 0.3 {
                tracks[best].box = box
                tracks[best].detectedWidth = box.width
                tracks[best].fresh = true
                tracks[best].unconfirmed = 0
                matched.insert(best)
            } else {
                tracks.append(Track(id: nextID, box: box, anchor: (0, 0, 0, 0), detectedWidth: box.width))
                matched.insert(tracks.count - 1)
                nextID += 1
            }
        }
        for index in tracks.indices where !matched.contains(index) {
            // A track sitting on a face that a detection claimed for another track has drifted: a duplicate.
            let center = tracks[index].box.center
            let claimed = found.contains { center.x > $0.left && center.x < $0.right && center.y > $0.top && center.y < $0.bottom }
            tracks[index].unconfirmed += claimed ? 2 : 1
        }
        tracks.removeAll { $0.unconfirmed >= 2 }
    }
}

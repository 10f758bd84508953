/// How often and at what scale faces are searched for.
public struct DetectionSettings: Sendable, Equatable, Codable {
    /// Search the whole frame for new faces, down to `smallestFace`, every this many frames …
    public var fullInterval: Int
    /// … and, at `maxPixels`, this often while none is followed, so a face that comes into view is found
    /// within a third of a second.
    public var searchInterval: Int
    /// Re-detect each followed face in a window around it this often, to re-anchor its landmarks.
    public var refreshInterval: Int
    /// The quick searches run on the luma plane shrunk to at most this many pixels (HOG cost grows with area).
    public var maxPixels: Int
    /// Faces down to about this many pixels wide (jaw to jaw, in the coded picture) are found by the full
    /// searches, whatever the frame size: at 1080p the quick search alone misses faces under about 115 px.
    public var smallestFace: Int

    public init(fullInterval: Int = 60, searchInterval: Int = 10, refreshInterval: Int = 10, maxPixels: Int = 960 * 540,
                smallestFace: Int = 80) {
        self.fullInterval = fullInterval
        self.searchInterval = searchInterval
        self.refreshInterval = refreshInterval
        self.maxPixels = maxPixels
        self.smallestFace = smallestFace
    }

    /// Describes the first setting that is out of range, or `nil` when all are usable.
    public var problem: String? {
        if min(fullInterval, searchInterval, refreshInterval) < 1 { return "detection intervals must be at least 1 frame." }
        if maxPixels < 160 * 90 { return "the detection size must be at least 160×90 pixels." }
        // One doubling of the plane is the finest the detector goes: 32 px faces fill its window then.
        if smallestFace < 32 { return "the smallest face must be at least 32 pixels wide (got \(smallestFace))." }
        return nil
    }
}

/// A face followed across frames, with a stable id for per-face state.
struct TrackedFace {
    var id: Int
    var landmarks: FaceLandmarks
}

/// Finds faces and follows them by re-fitting landmarks to the last box, re-anchoring every few frames.
///
/// The predictor, fitted to last frame's box, lands on a face that moved less than about a tenth of its width,
/// which holds at video frame rates but for a fast swing or a small face moving fast. A face that moved further
/// it reaches only part of the way, so it is fitted again from where it landed; one that moved a fifth or more
/// it may not follow at all (it fits the same place again), so each fit's look is compared with the last
/// frame's, and a changed look has the face re-detected. Every `refreshInterval` frames each face is
/// re-detected in a small window around it (a few milliseconds: the window is scaled so the face is just above
/// the detector's 80 px minimum); the whole frame is searched rarely, or often while no face is known.
/// A face the detector misses twice in a row in its window is dropped unless a whole-frame search finds it.
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
        /// The landmarks' size on the first fit after the last detection.
        var fittedSize: SIMD2<Float> = .zero
        /// How the face looked under the landmarks on the last frame.
        var look: FaceLook?

        /// Whether `landmarks` still look like the fit made after the last detection: no wider or narrower than
        /// `fitDrift` allows, and not stretched taller than `fitStretch` (a fit sliding down the neck).
        func holds(_ landmarks: FaceLandmarks) -> Bool {
            let size = SIMD2(landmarks.bounds.width, landmarks.bounds.height) / pointwiseMax(fittedSize, SIMD2(repeating: 1))
            return FaceTracker.fitDrift.contains(size.x) && size.y <= FaceTracker.fitStretch
        }

        mutating func confirm(with detection: FaceBox) {
            box = detection
            detectedWidth = detection.width
            fresh = true
            unconfirmed = 0
        }
    }

    private let detector: any FaceDetecting
    private let predictor: ShapePredictor
    private let resampler = LumaResampler()
    /// A second one for the looks, whose sizes change every frame, so the detector's context stays cached.
    private let lookResampler = LumaResampler()
    private let settings: DetectionSettings
    private var tracks: [Track] = []
    private var nextID = 0
    private var framesSinceFull = Int.max / 2
    private var framesSinceSearch = 0
    private var framesSinceRefresh = 0
    private(set) var clock = WorkClock()

    /// - Parameter detector: dlib's detector unless given.
    init(predictor: ShapePredictor, settings: DetectionSettings, detector: (any FaceDetecting)? = nil) throws(GazeError) {
        if let detector { self.detector = detector } else { self.detector = try FaceDetector() }
        self.predictor = predictor
        self.settings = settings
    }

    /// The faces in this frame's luma plane.
    func faces(in luma: LumaView) -> [TrackedFace] {
        framesSinceFull += 1
        framesSinceSearch += 1
        framesSinceRefresh += 1
        if framesSinceFull >= settings.fullInterval {
            clock.measure(.detect) { searchWholeFrame(luma, at: fullScale(luma)) }
            (framesSinceFull, framesSinceSearch, framesSinceRefresh) = (0, 0, 0)
        } else if tracks.isEmpty && framesSinceSearch >= settings.searchInterval {
            clock.measure(.detect) { searchWholeFrame(luma, at: quickScale(luma)) }
            (framesSinceSearch, framesSinceRefresh) = (0, 0)
        } else if framesSinceRefresh >= settings.refreshInterval {
            refreshTracks(luma)
            framesSinceRefresh = 0
        }
        var faces: [TrackedFace] = []
        var kept: [Track] = []
        for var track in tracks {
            // A face that moved too far for the landmarks to follow gets one re-detection in its window first; so
            // does a fit that is running away, or that no longer sits on what it sat on a frame before (either is
            // kept if the detector does not find the face there). A fit on a face just detected is trusted.
            let detectedNow = track.fresh
            var landmarks = follow(&track, in: luma)
            var look = landmarks.flatMap { lookOf($0, in: luma) }
            let holds = landmarks.map { track.holds($0) } ?? false
            var moved = false
            if !detectedNow, let before = track.look, let now = look { moved = before.similarity(to: now) < Self.sameLook }
            if !holds || moved, redetect(&track, in: luma), let refit = follow(&track, in: luma) {
                landmarks = refit
                look = lookOf(refit, in: luma)
            }
            guard let landmarks else {
                framesSinceFull = Int.max / 2  // gone: search the whole frame on the next one
                continue
            }
            track.look = look
            kept.append(track)
            faces.append(TrackedFace(id: track.id, landmarks: landmarks))
        }
        tracks = kept
        return faces
    }

    /// Fits the landmarks to the track's box and moves the box with them; `nil` when they no longer fit a face.
    /// A face that moved a good share of its width since the last frame is fitted again: started from the last
    /// box the predictor lands only part of the way to it, and each fit started from where the last one landed
    /// comes nearer.
    private func follow(_ track: inout Track, in luma: LumaView) -> FaceLandmarks? {
        var start = track.box.center
        guard var landmarks = fit(&track, in: luma) else { return nil }
        for _ in 1..<Self.fitPasses where distance(track.box.center, start) > Self.refitMove * track.box.width {
            start = track.box.center
            guard let again = fit(&track, in: luma) else { break }
            landmarks = again
        }
        return landmarks
    }

    /// One fit of the landmarks to the track's box, moving the box with them; `nil` when they no longer fit a face.
    private func fit(_ track: inout Track, in luma: LumaView) -> FaceLandmarks? {
        let landmarks = clock.measure(.landmarks) { predictor.landmarks(in: luma, box: track.box) }
        let bounds = landmarks.bounds
        // Landmarks that collapse, explode or drift in size mean the face is lost.
        let ratio = bounds.width / max(1, track.box.width)
        let drift = track.box.width / max(1, track.detectedWidth)
        guard ratio > 0.5, ratio < 2, Self.drift.contains(drift), bounds.width >= 12 else { return nil }
        if track.fresh {
            track.fittedSize = SIMD2(bounds.width, bounds.height)
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

    /// How the face under `landmarks` looks, timed with the landmarks (it is part of following the face).
    private func lookOf(_ landmarks: FaceLandmarks, in luma: LumaView) -> FaceLook? {
        clock.measure(.landmarks) { FaceLook(luma, bounds: landmarks.bounds, resampler: lookResampler) }
    }

    /// The detector's scale for a whole-frame search: the plane is resized by `shrink`, then doubled if `upsample`.
    private typealias SearchScale = (shrink: Float, upsample: Bool)

    /// The quick search: the plane shrunk to `maxPixels`; small frames doubled to find ~40 px faces.
    private func quickScale(_ luma: LumaView) -> SearchScale {
        let shrink = min(1, (Float(settings.maxPixels) / Float(luma.width * luma.height)).squareRoot())
        return (shrink, Float(luma.width * luma.height) * shrink * shrink <= 640 * 360)
    }

    /// The full search: as fine as `smallestFace` needs (HOG's 80 px window finds faces about 64 px wide, jaw
    /// to jaw), or the quick one's scale when that is finer already.
    private func fullScale(_ luma: LumaView) -> SearchScale {
        let quick = quickScale(luma)
        let needed = Self.narrowestFound / Float(max(1, settings.smallestFace))
        guard needed > quick.shrink * (quick.upsample ? 2 : 1) else { return quick }
        return needed > 1 ? (min(1, needed / 2), true) : (needed, false)
    }

    /// How far a followed face's width may stray from its last detection's: a face does not grow
    /// or shrink that fast between detections, so landmarks that do have lost it, and a re-detection that
    /// does has found another fit (say the face itself, where the first detection took only its forehead).
    static let drift: ClosedRange<Float> = 0.7...1.4

    /// How far the landmarks' width may stray from their first fit after a detection before the face is looked
    /// for again in its window. A fit can run away from a face that moves fast — on one encode of the sideways
    /// glance it slid off the face and grew by half in eight frames (214 → 314 px), moving the irises with it;
    /// on the phone crop of it one shrank to 0.61 — while a fit that holds its face stays within 0.84–1.12 of
    /// its first between detections on the shared clips and their derivatives (beyond that only runaways, a
    /// forehead fit growing into its face, and `v13`'s 12 px eyes).
    static let fitDrift: ClosedRange<Float> = 0.8...1.15
    /// How much taller than that first fit the landmarks may grow: their height changes more with a face than
    /// their width (a mouth opening, a nod: 0.48–1.14 of the first fit on the same clips), but a fit that slid
    /// down the face reached 1.3–3 (`v10`: the eyes 100 px below the girl's, over her cheeks).
    static let fitStretch: Float = 1.3
    /// How alike a face's look must stay from one frame to the next (`FaceLook.similarity`) for its fit to be
    /// followed without a re-detection. Fits read 0.66–1 (median 0.99) on the shared clips and their
    /// derivatives, low light and blinks included, but for two kinds of frame: the sideways glance's head
    /// swing, where its fit slid off the face (0.33, the eyes then 100–160 px from where a detection put them),
    /// and a few of `v13`'s (12 fps, faces 40 px wide). A fit left behind by a face that moved a quarter of
    /// its width reads below 0.1.
    static let sameLook: Float = 0.5

    /// How far a fit may move its box (a share of the box's width) before the face is fitted again from there,
    /// up to `fitPasses` fits a frame. On the frontal clip at 640×360 (a face about 110 px wide) shaken ±40 px
    /// across at 4 Hz, up to 33 px a frame, one fit a frame left the eyes' landmarks more than 10 px (a third of
    /// an eye) from where the gaze referee found the eyes on 7 of 100 frames (12–40 px), two on 2 (26 and 33 px)
    /// and three on none. Of the other clips here only the sideways glance's head swing and `v13` move that far
    /// in a frame (the panning clip's fastest frames, 6.5 % of the width, do not; from 6 % on they did, and
    /// changed the landmarks there by less than the referee's noise).
    static let refitMove: Float = 0.1
    /// At most this many fits a face a frame (3–4 ms each at 1080p).
    static let fitPasses = 3

    /// About the narrowest face (jaw to jaw, pixels) the detector finds at its own scale.
    static let narrowestFound: Float = 64

    /// Detects on the whole frame at `scale`; matches what it finds to the followed faces.
    private func searchWholeFrame(_ luma: LumaView, at scale: SearchScale) {
        let width = max(1, Int((Float(luma.width) * scale.shrink).rounded()))
        let height = max(1, Int((Float(luma.height) * scale.shrink).rounded()))
        let found = resampler.resample(luma, width: width, height: height) { detector.detect(in: $0, upsample: scale.upsample) }
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

    /// Re-detects each followed face in its window. A face missed twice in a row is looked for in the whole
    /// frame on the next one, and dropped only if that misses it too: the window misses a three-quarter face
    /// now and then, and a face dropped and found again a frame later lost its correction for that frame.
    private func refreshTracks(_ luma: LumaView) {
        for index in tracks.indices where !redetect(&tracks[index], in: luma) { tracks[index].unconfirmed += 1 }
        if tracks.contains(where: { $0.unconfirmed >= 2 }) { framesSinceFull = Int.max / 2 }
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
            // Another fit starts afresh under a new id, so no smoothing or gaze state carries over to it.
            if !Self.drift.contains(best.width / max(1, track.detectedWidth)) {
                track.id = nextID
                nextID += 1
            }
            track.confirm(with: best)
            return true
        }
    }
}

private func distance(_ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
    ((a - b) * (a - b)).sum().squareRoot()
}

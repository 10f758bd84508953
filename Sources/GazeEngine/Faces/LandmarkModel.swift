import Synchronization

/// The landmark model of one engine: loaded once, on first need or up front, then shared by every job.
final class LandmarkModel: Sendable {
    let path: String
    private let loaded = Mutex<ShapePredictor?>(nil)

    init(path: String) {
        self.path = path
    }

    /// The loaded predictor; the first call loads it (about half a second for the 100 MB file).
    /// - Throws: `model_unavailable` when the file cannot be read as a 68-point model.
    func predictor() throws(GazeError) -> ShapePredictor {
        try loaded.withLock { (model: inout ShapePredictor?) throws(GazeError) -> ShapePredictor in
            if let model { return model }
            let fresh = try ShapePredictor(contentsOf: path)
            model = fresh
            return fresh
        }
    }
}

import CGazeDlib

/// dlib's 68-point face landmark regressor (e.g. `shape_predictor_68_face_landmarks.dat`), loaded once and
/// shared by every pipeline.
// @unchecked Sendable is sound: `handle` never changes after init, and dlib's shape_predictor::operator() is const with only local state, documented as usable from many threads at once (dlib/image_processing/shape_predictor.h:339-342, shape_predictor_abstract.h:32-35).
final class ShapePredictor: @unchecked Sendable {
    private let handle: OpaquePointer

    /// Loads the model at `path` (about a second for the 100 MB 68-point model).
    ///
    /// - Throws: `GazeError.modelUnavailable` when the file is missing, unreadable, or not a 68-point model.
    init(contentsOf path: String) throws(GazeError) {
        var loaded: OpaquePointer?
        let status = gd_predictor_load(path, &loaded)
        guard status == GD_OK, let loaded else { throw Self.loadError(status, path: path) }
        handle = loaded
    }

    deinit {
        gd_predictor_destroy(handle)
    }

    /// The 68 landmarks of the face in `box`, in `luma`'s pixel coordinates (whole pixels; dlib rounds).
    ///
    /// Safe to call from many threads at once. The box may extend beyond the plane.
    /// - Precondition: `luma` is a valid plane and `box` has finite, non-inverted edges.
    func landmarks(in luma: LumaView, box: FaceBox) -> FaceLandmarks {
        let count = Int(GD_LANDMARK_COUNT)
        let rect = gd_rect(left: box.left, top: box.top, right: box.right, bottom: box.bottom, score: 0)
        // A stack buffer for the C call; the only heap allocation is the returned array.
        let points = withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * count) { xy in
            // Safe: `luma` is valid for this call by contract, and `xy` holds the 2 * 68 floats gd_predict writes.
            let status = gd_predict(
                handle, luma.base, Int32(luma.width), Int32(luma.height), luma.stride, rect, xy.baseAddress)
            checkBridge(status, "gd_predict")
            return (0..<count).map { SIMD2(xy[2 * $0], xy[2 * $0 + 1]) }
        }
        return FaceLandmarks(points: points)
    }

    private static func loadError(_ status: gd_status, path: String) -> GazeError {
        switch status {
        case GD_ERR_MODEL_NOT_FOUND:
            return .modelUnavailable("The face landmark model was not found at \(path).")
        case GD_ERR_MODEL_INVALID:
            return .modelUnavailable("The file at \(path) is not a dlib 68-point face landmark model.")
        case GD_ERR_NO_MEMORY:
            return .modelUnavailable("Not enough memory to load the face landmark model at \(path).")
        default:
            return .modelUnavailable("The face landmark model at \(path) could not be loaded (dlib status \(status.rawValue)).")
        }
    }
}

import CGazeDlib

/// Finds faces in a luma plane: dlib's detector in production; the tracker's tests stand in for it.
protocol FaceDetecting: AnyObject {
    func detect(in luma: LumaView, upsample: Bool) -> [FaceBox]
}

/// dlib's frontal HOG face detector, reading borrowed luma planes in place.
///
/// Not `Sendable`: dlib's detector keeps per-call scanner state (see `gaze_dlib.h`), so each pipeline owns
/// one instance and uses it from one thread at a time. Different instances may run concurrently.
final class FaceDetector: FaceDetecting {
    /// The most faces one call reports; lower-scoring extras are dropped.
    static let capacity = 32

    private let handle: OpaquePointer
    /// Written by every `detect` call; allocated once so detection allocates nothing but its result array.
    private let results: UnsafeMutableBufferPointer<gd_rect>

    /// Builds the detector from the model compiled into dlib (about 250 ms for the first in a process, then <1 ms).
    init() throws(GazeError) {
        var created: OpaquePointer?
        let status = gd_detector_create(&created)
        guard status == GD_OK, let created else {
            throw .modelUnavailable("dlib could not create its face detector (status \(status.rawValue)).")
        }
        handle = created
        results = .allocate(capacity: Self.capacity)
    }

    deinit {
        gd_detector_destroy(handle)
        results.deallocate()
    }

    /// Finds frontal faces at least about 80 px wide (about 40 px with `upsample`, at roughly 4x the cost).
    ///
    /// - Returns: boxes in `luma`'s pixel coordinates, highest detector score first, at most `capacity`.
    /// - Precondition: `luma` is a valid plane (positive size, `stride >= width`, dimensions fit in `Int32`).
    func detect(in luma: LumaView, upsample: Bool = false) -> [FaceBox] {
        var found: Int32 = 0
        // Safe: `luma` is valid for this call by contract, and `results` holds `capacity` writable entries.
        let status = gd_detect(
            handle, luma.base, Int32(luma.width), Int32(luma.height), luma.stride,
            upsample ? 1 : 0, results.baseAddress, Int32(Self.capacity), &found)
        checkBridge(status, "gd_detect")
        // Safe: gd_detect initialised the first min(found, capacity) entries.
        return results.prefix(min(Int(found), Self.capacity)).map {
            FaceBox(left: $0.left, top: $0.top, right: $0.right, bottom: $0.bottom)
        }
    }
}

/// Stops on a bridge failure during detection or prediction.
///
/// Only argument misuse (a programming error) or allocation failure can fail there — dlib's asserts are
/// compiled out (`DLIB_DISABLE_ASSERTS` in dlib/config.h) and the paths throw nothing else — and Swift
/// treats running out of memory as fatal too, so these are not recoverable `GazeError`s.
func checkBridge(_ status: gd_status, _ call: StaticString) {
    switch status {
    case GD_OK: return
    case GD_ERR_ARGUMENT: preconditionFailure("\(call): invalid luma plane or face box")
    case GD_ERR_NO_MEMORY: fatalError("\(call): out of memory")
    default: fatalError("\(call): unexpected dlib failure (status \(status.rawValue))")
    }
}

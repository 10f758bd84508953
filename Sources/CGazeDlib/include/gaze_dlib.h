/*
 * gaze_dlib.h — a thin C bridge over dlib's HOG face detector and 68-point shape predictor.
 *
 * Plain C, usable from C, C++ and Swift. Every symbol is prefixed `gd_`; handles are opaque;
 * every fallible call returns a `gd_status`. No C++ exception ever crosses this boundary.
 *
 * Images are borrowed 8-bit luma planes (`luma`, `width`, `height`, `stride` in bytes, stride >= width).
 * They are read in place, never copied, and only for the duration of the call.
 *
 * THREAD SAFETY (verified against dlib 19.24 headers):
 *  - A gd_detector must be used by ONE thread at a time. dlib::object_detector::operator() is not
 *    const: it loads the image into its member scanner (dlib/image_processing/object_detector.h:125
 *    declares the non-const operator(), :209 the member `image_scanner_type scanner;`, :433 calls
 *    `scanner.load(img)`), and the handle also keeps reusable scratch buffers. Use one detector per
 *    pipeline/thread; different detectors may run concurrently.
 *  - A gd_predictor MAY be shared by any number of threads concurrently once loaded.
 *    dlib::shape_predictor::operator() is const and uses only locals
 *    (dlib/image_processing/shape_predictor.h:339-342; no `mutable` members), and dlib documents it:
 *    "a single instance of this object can be used from multiple threads at the same time"
 *    (dlib/image_processing/shape_predictor_abstract.h:32-35). The handle holds nothing else.
 *  - create/load/destroy are not synchronised with uses of the same handle.
 */
#ifndef GAZE_DLIB_H
#define GAZE_DLIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Number of landmarks produced by the iBUG 300-W model; gd_predict writes 2x this many floats. */
#define GD_LANDMARK_COUNT 68

typedef enum gd_status {
    GD_OK = 0,
    /** A NULL handle/pointer, non-positive size, stride < width, capacity < 0, or a non-finite,
        inverted or absurdly large (beyond 1e7) rect. */
    GD_ERR_ARGUMENT,
    /** The model file could not be opened. */
    GD_ERR_MODEL_NOT_FOUND,
    /** The model file was opened but is not a 68-point dlib shape predictor. */
    GD_ERR_MODEL_INVALID,
    GD_ERR_NO_MEMORY,
    /** Any other failure inside dlib (should not happen). */
    GD_ERR_INTERNAL
} gd_status;

/** A face rectangle in pixel coordinates of the input image; right/bottom are exclusive edges. */
typedef struct gd_rect {
    float left, top, right, bottom;
    /** Detector confidence (SVM margin, > 0 for a detection); ignored by gd_predict. */
    double score;
} gd_rect;

typedef struct gd_detector gd_detector;
typedef struct gd_predictor gd_predictor;

/**
 * Creates dlib's frontal HOG face detector. The first call in a process decodes dlib's built-in model
 * (about 250 ms); later calls copy it (well under a millisecond). Safe to call from several threads.
 * On failure *out is set to NULL.
 */
gd_status gd_detector_create(gd_detector **out);

/** Frees a detector; NULL is ignored. */
void gd_detector_destroy(gd_detector *detector);

/**
 * Finds frontal faces (about 80x80 px and larger; about 40x40 with upsample) in the luma plane.
 * With `upsample` != 0 the plane is first doubled (dlib::pyramid_up) into the detector's scratch
 * buffer; returned rects are always in input coordinates. Rects are sorted by score, descending.
 * Writes at most `capacity` rects to `out` (which may be NULL when capacity is 0) and sets `*count`
 * to the number found, which may exceed `capacity`.
 * Not thread-safe per detector (see above).
 */
gd_status gd_detect(gd_detector *detector, const uint8_t *luma, int width, int height, ptrdiff_t stride,
                    int upsample, gd_rect *out, int capacity, int *count);

/** Loads a dlib shape predictor (e.g. shape_predictor_68_face_landmarks.dat). On failure *out is NULL. */
gd_status gd_predictor_load(const char *path, gd_predictor **out);

/** Frees a predictor; NULL is ignored. */
void gd_predictor_destroy(gd_predictor *predictor);

/**
 * Predicts the 68 landmarks of the face in `rect` and writes them to `out_xy` as
 * x0, y0, x1, y1, ... (2 * GD_LANDMARK_COUNT floats) in image coordinates.
 * dlib rounds landmark positions to whole pixels. The rect may extend beyond the image.
 * Thread-safe: one predictor may serve many threads at once (see above).
 */
gd_status gd_predict(const gd_predictor *predictor, const uint8_t *luma, int width, int height, ptrdiff_t stride,
                     gd_rect rect, float *out_xy);

#ifdef __cplusplus
}
#endif

#endif /* GAZE_DLIB_H */

// gaze_dlib.cpp — the C bridge declared in include/gaze_dlib.h. Every entry point turns dlib/STL exceptions
// into gd_status codes; none escapes.

#include "gaze_dlib.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/image_transforms/interpolation.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <fstream>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace gaze {

// A read-only, non-owning view of the caller's 8-bit luma plane, implementing dlib's generic image
// interface (dlib/image_processing/generic_image.h) so dlib reads the caller's buffer in place.
struct luma_view {
    const unsigned char *data = nullptr;
    long width = 0, height = 0;
    long stride = 0; // bytes between row starts
};

inline long num_rows(const luma_view &img) { return img.height; }
inline long num_columns(const luma_view &img) { return img.width; }
inline long width_step(const luma_view &img) { return img.stride; }
inline const void *image_data(const luma_view &img) { return img.width > 0 && img.height > 0 ? img.data : nullptr; }
inline void swap(luma_view &a, luma_view &b) noexcept { std::swap(a, b); }
// The view is read-only: any dlib routine that would resize or write it fails to compile.
void set_image_size(luma_view &img, long rows, long cols) = delete;
void *image_data(luma_view &img) = delete;

} // namespace gaze

namespace dlib {
template <> struct image_traits<gaze::luma_view> { typedef unsigned char pixel_type; };
} // namespace dlib

namespace {
// Decoding dlib's embedded detector model takes ~250 ms, so it is done once; each handle copies it
// (object_detector.h:288-298: weights plus scanner configuration, never detection state). Concurrent
// copies of this never-used instance are safe: scan_fhog_pyramid_abstract.h:235-240.
const dlib::frontal_face_detector &prototype_detector() {
    static const dlib::frontal_face_detector prototype = dlib::get_frontal_face_detector(); // thread-safe init
    return prototype;
}

// Runs `body`, turning any escaping exception into a status: nothing may unwind into C or Swift.
template <typename Body> gd_status guarded(Body &&body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return GD_ERR_NO_MEMORY;
    } catch (...) {
        return GD_ERR_INTERNAL;
    }
}

bool valid_plane(const uint8_t *luma, int width, int height, ptrdiff_t stride) {
    return luma != nullptr && width > 0 && height > 0 && stride >= width;
}

gaze::luma_view make_view(const uint8_t *luma, int width, int height, ptrdiff_t stride) {
    return gaze::luma_view{luma, width, height, static_cast<long>(stride)};
}

// Coordinates beyond this are misuse (and would overflow dlib's long rectangles after rounding).
constexpr float max_coordinate = 1e7f;

bool valid_coordinate(float v) { return std::isfinite(v) && std::fabs(v) <= max_coordinate; }
} // namespace

struct gd_detector {
    dlib::frontal_face_detector detector = prototype_detector();
    dlib::array2d<unsigned char> upsampled;  // reused scratch plane for upsample != 0
    std::vector<dlib::rect_detection> dets;  // reused result list
};

struct gd_predictor {
    dlib::shape_predictor model; // immutable after load; its operator() is const (see header)
};

extern "C" {

gd_status gd_detector_create(gd_detector **out) {
    if (out == nullptr) return GD_ERR_ARGUMENT;
    *out = nullptr;
    return guarded([&] {
        *out = new gd_detector();
        return GD_OK;
    });
}

void gd_detector_destroy(gd_detector *detector) { delete detector; }

gd_status gd_detect(gd_detector *detector, const uint8_t *luma, int width, int height, ptrdiff_t stride,
                    int upsample, gd_rect *out, int capacity, int *count) {
    if (count != nullptr) *count = 0;
    if (detector == nullptr || count == nullptr || capacity < 0 || (capacity > 0 && out == nullptr) ||
        !valid_plane(luma, width, height, stride))
        return GD_ERR_ARGUMENT;

    return guarded([&] {
        const gaze::luma_view view = make_view(luma, width, height, stride);
        std::vector<dlib::rect_detection> &dets = detector->dets;
        if (upsample != 0) {
            dlib::pyramid_up(view, detector->upsampled, dlib::pyramid_down<2>()); // doubles the plane
            detector->detector(detector->upsampled, dets);
        } else {
            detector->detector(view, dets);
        }
        // Highest score first; ties broken by position so the order is deterministic.
        std::sort(dets.begin(), dets.end(), [](const dlib::rect_detection &a, const dlib::rect_detection &b) {
            if (a.detection_confidence != b.detection_confidence) return a.detection_confidence > b.detection_confidence;
            if (a.rect.top() != b.rect.top()) return a.rect.top() < b.rect.top();
            return a.rect.left() < b.rect.left();
        });

        // dlib rectangles are inclusive pixel indices; report exclusive edges so width = right - left.
        // Pixel edges sit half a pixel outside the extreme pixel centres, which is what the pyramid maps.
        const dlib::pyramid_down<2> pyramid;
        const size_t written = std::min(dets.size(), static_cast<size_t>(capacity));
        for (size_t i = 0; i < written; ++i) {
            const dlib::rectangle &r = dets[i].rect;
            dlib::dpoint lo(r.left() - 0.5, r.top() - 0.5);
            dlib::dpoint hi(r.right() + 0.5, r.bottom() + 0.5);
            if (upsample != 0) {
                lo = pyramid.point_down(lo);
                hi = pyramid.point_down(hi);
            }
            out[i].left = static_cast<float>(lo.x() + 0.5);
            out[i].top = static_cast<float>(lo.y() + 0.5);
            out[i].right = static_cast<float>(hi.x() + 0.5);
            out[i].bottom = static_cast<float>(hi.y() + 0.5);
            out[i].score = dets[i].detection_confidence;
        }
        *count = static_cast<int>(std::min(dets.size(), static_cast<size_t>(INT_MAX)));
        return GD_OK;
    });
}

gd_status gd_predictor_load(const char *path, gd_predictor **out) {
    if (out == nullptr) return GD_ERR_ARGUMENT;
    *out = nullptr;
    if (path == nullptr) return GD_ERR_ARGUMENT;
    struct stat info;
    if (stat(path, &info) != 0 || !S_ISREG(info.st_mode)) return GD_ERR_MODEL_NOT_FOUND;

    return guarded([&] {
        std::ifstream in(path, std::ios::binary);
        if (!in) return GD_ERR_MODEL_NOT_FOUND;
        std::unique_ptr<gd_predictor> predictor(new gd_predictor());
        try {
            dlib::deserialize(predictor->model, in);
        } catch (const dlib::serialization_error &) {
            return GD_ERR_MODEL_INVALID; // truncated, corrupt, or not a shape predictor at all
        }
        if (predictor->model.num_parts() != GD_LANDMARK_COUNT || predictor->model.num_features() == 0)
            return GD_ERR_MODEL_INVALID; // a valid predictor, but not the 68-point one
        *out = predictor.release();
        return GD_OK;
    });
}

void gd_predictor_destroy(gd_predictor *predictor) { delete predictor; }

gd_status gd_predict(const gd_predictor *predictor, const uint8_t *luma, int width, int height, ptrdiff_t stride,
                     gd_rect rect, float *out_xy) {
    if (predictor == nullptr || out_xy == nullptr || !valid_plane(luma, width, height, stride)) return GD_ERR_ARGUMENT;
    if (!valid_coordinate(rect.left) || !valid_coordinate(rect.top) || !valid_coordinate(rect.right) ||
        !valid_coordinate(rect.bottom) || rect.right < rect.left || rect.bottom < rect.top)
        return GD_ERR_ARGUMENT;

    return guarded([&] {
        // Inverse of gd_detect's mapping (exclusive edges -> inclusive indices); at least one pixel wide.
        const long left = std::lround(rect.left);
        const long top = std::lround(rect.top);
        const long right = std::max(left, std::lround(rect.right) - 1);
        const long bottom = std::max(top, std::lround(rect.bottom) - 1);
        const dlib::full_object_detection shape =
            predictor->model(make_view(luma, width, height, stride), dlib::rectangle(left, top, right, bottom));
        if (shape.num_parts() != GD_LANDMARK_COUNT) return GD_ERR_INTERNAL; // checked at load; cannot happen
        for (unsigned long i = 0; i < GD_LANDMARK_COUNT; ++i) {
            const dlib::point &p = shape.part(i);
            out_xy[2 * i] = static_cast<float>(p.x());
            out_xy[2 * i + 1] = static_cast<float>(p.y());
        }
        return GD_OK;
    });
}

} // extern "C"

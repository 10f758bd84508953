#!/usr/bin/env bash
# The phone case for the quality notes: the frontal clip stored on its side with a rotation tag (as a phone
# stores a portrait recording), corrected by the engine, against the same pictures stored upright.
# The referee reads frames with OpenCV, which ignores rotation tags here, so every file it compares is first
# decoded upright by the ffmpeg CLI (libx264 CRF 10). Prints one referee summary line per path.
# Usage: scripts/phone-case.sh. Files go to out/phone (QUALITY_OUT to change).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
referee=${GAZEREF:-../shared/referee/gazeref}
[[ -x $referee ]] || { echo "phone-case: referee not found at $referee (set GAZEREF)" >&2; exit 1; }
src=${FIXTURES:-../shared/fixtures}/v01_nvvfx_webcam_frontal_1080p.mp4
[[ -f $src ]] || src=Fixtures/v01_nvvfx_webcam_frontal_1080p.mp4
out=${QUALITY_OUT:-out/phone}
mkdir -p "$out"
ff() { ffmpeg -nostdin -v error -y "$@"; }
swift build -c release --product gaze-redirect >&2

# Stored on its side: pixels turned a quarter counter-clockwise, then a tag (on a stream copy: encoding
# drops it) that turns them back; and the same pictures stored upright.
ff -i "$src" -vf transpose=cclock -c:v libx264 -preset medium -crf 14 -pix_fmt yuv420p "$out/coded.mp4"
ff -i "$out/coded.mp4" -c copy -metadata:s:v:0 rotate=270 "$out/sideways.mp4"
ff -i "$out/sideways.mp4" -c:v libx264 -preset medium -crf 14 -pix_fmt yuv420p "$out/upright.mp4"

for name in sideways upright; do
    .build/release/gaze-redirect "$out/$name.mp4" -o "$out/$name.i1.mp4" --intensity 1 --progress none
    for f in "$name" "$name.i1"; do ff -i "$out/$f.mp4" -c:v libx264 -preset fast -crf 10 -pix_fmt yuv420p "$out/$f.shown.mp4"; done
    "$referee" compare "$out/$name.shown.mp4" "$out/$name.i1.shown.mp4" --json "$out/$name.json" >/dev/null 2>&1
    python3 - "$out/$name.json" "$name" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
keys = ["face_rate_out", "frames_gaze_off", "h_reduction_median", "frames_looking_down", "v_reduction_median",
        "ear_correlation", "eye_flicker_ratio"]
print(sys.argv[2].ljust(9), " ".join(f"{k}={d[k]:.3f}" if isinstance(d[k], float) else f"{k}={d[k]}" for k in keys))
PY
done

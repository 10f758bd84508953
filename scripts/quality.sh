#!/usr/bin/env bash
# Gaze quality table: for every clip, the independent referee compares the input with
#   baseline  — a plain ffmpeg re-encode with the engine's encoder settings (the referee's noise floor),
#   i0, i0.5, i1 — the engine at intensity 0, 0.5 and 1,
# and prints one Markdown table. Usage: scripts/quality.sh [--table-only] [CLIP …]
# (--table-only reprints the table from the JSON of an earlier run.)
# Defaults to every .mp4 in ../shared/fixtures (or Fixtures/). Needs ../shared/referee/gazeref.
# Outputs and per-run JSON go to out/quality/ (QUALITY_OUT to change).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
referee=${GAZEREF:-../shared/referee/gazeref}
[[ -x $referee ]] || { echo "quality: referee not found at $referee (set GAZEREF)" >&2; exit 1; }
out=${QUALITY_OUT:-out/quality}
mkdir -p "$out"
table_only=false
if [[ ${1:-} == --table-only ]]; then table_only=true; shift; fi
source scripts/fixture-clips.sh
bin=.build/release/gaze-redirect
crf=${CRF:-20} preset=${PRESET:-medium}
$table_only || swift build -c release --product gaze-redirect >&2

for clip in "${clips[@]}"; do
    $table_only && break
    name=$(basename "${clip%.*}")
    echo "quality: $name" >&2
    # -fps_mode passthrough: keep every frame and timestamp as the engine does (variable frame rate too).
    ffmpeg -nostdin -v error -y -i "$clip" -fps_mode passthrough -map 0:v:0 -map '0:a:0?' -c:v libx264 -preset "$preset" -crf "$crf" \
        -pix_fmt yuv420p -c:a copy -movflags +faststart "$out/$name.baseline.mp4"
    "$referee" compare "$clip" "$out/$name.baseline.mp4" --json "$out/$name.baseline.json" >/dev/null 2>&1
    for i in 0 0.5 1; do
        "$bin" "$clip" -o "$out/$name.i$i.mp4" --intensity "$i" --crf "$crf" --preset "$preset" --progress none
        "$referee" compare "$clip" "$out/$name.i$i.mp4" --intensity "$i" --json "$out/$name.i$i.json" >/dev/null 2>&1
    done
done

python3 - "$out" "${clips[@]}" <<'PY'
import json, os, sys
out, clips = sys.argv[1], sys.argv[2:]
cols = [("h_in_median_abs", "h in"), ("h_out_median_abs", "h out"), ("frames_gaze_off", "off"),
        ("h_reduction_median", "h red"), ("h_reduction_median_all", "h red all"), ("frames_looking_down", "down"),
        ("v_reduction_median", "v red"), ("frames_lookaway", "away"), ("lookaway_h_change_median_abs", "away Δh"),
        ("h_change_median_abs", "|Δh|"), ("ear_correlation", "EAR r"), ("eye_flicker_ratio", "flicker"),
        ("psnr_outside_eyes_median", "PSNR out dB")]
print("| clip | run | " + " | ".join(c[1] for c in cols) + " |")
print("|---|---|" + "---|" * len(cols))
for clip in clips:
    name = os.path.splitext(os.path.basename(clip))[0]
    for run in ["baseline", "i0", "i0.5", "i1"]:
        d = json.load(open(os.path.join(out, f"{name}.{run}.json")))
        cells = []
        for key, _ in cols:
            v = d.get(key)
            cells.append("–" if v is None or (isinstance(v, float) and v != v) else (f"{v:.3f}" if isinstance(v, float) else str(v)))
        print(f"| {name[:28]} | {run} | " + " | ".join(cells) + " |")
PY

#!/usr/bin/env bash
# Where the horizontal shortfall comes from, clip by clip: reads what scripts/quality.sh wrote (the baseline and
# intensity 1 outputs) and sets the referee's per-frame readings beside the engine's own (--analyze).
# Usage: scripts/calibration.sh [CLIP …] — the same clips, and QUALITY_OUT, as the quality run it follows.
# Over the off-centre frames the table's `h red` counts (open eyes, 0.04 < |h in| ≤ 0.15):
#   h red         the quality table's figure, recomputed here (a check that the frames are the same)
#   ceiling       what a perfect correction would read: the baseline's difference from the input (the
#                 referee's own noise) taken as the whole remaining offset
#   signed        median share of the offset removed, with its sign: above 1 went past the centre
#   past          share of frames that went past the centre
#   near, far     `signed` for each eye alone on frames where the head is turned (one eye narrower than 0.8 of
#                 the other): the nearer, wider eye first
#   est r         correlation of the engine's gaze estimate with the referee's reading of the input, over
#                 every frame with open eyes (how far the engine and the referee agree where the gaze is)
#   est / in      median ratio of the engine's estimate to the referee's offset on those frames (0.86–1.15 on
#                 the frontal and sideways clips; well under 1 is an estimate that under-reads the gaze)
# Low `signed` with few frames past the centre is a correction that falls short; `signed` near 1 with many
# past it is one the estimate's disagreement with the referee scatters (`est r`), bounded by `ceiling`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
referee=${GAZEREF:-../shared/referee/gazeref}
[[ -x $referee ]] || { echo "calibration: referee not found at $referee (set GAZEREF)" >&2; exit 1; }
out=${QUALITY_OUT:-out/quality}
source scripts/fixture-clips.sh
bin=.build/release/gaze-redirect
[[ -x $bin ]] || { echo "calibration: build first (swift build -c release)" >&2; exit 1; }

# Per-frame readings, made again only when what they read is newer.
measure() { [[ $2 -nt $1 ]] || "$referee" measure "$1" --json "$2" >/dev/null 2>&1; }
for clip in "${clips[@]}"; do
    name=$(basename "${clip%.*}")
    for run in baseline i1; do
        [[ -f $out/$name.$run.mp4 ]] || { echo "calibration: no $out/$name.$run.mp4 (run scripts/quality.sh first)" >&2; exit 1; }
        measure "$out/$name.$run.mp4" "$out/$name.$run.frames.json"
    done
    measure "$clip" "$out/$name.input.frames.json"
    [[ $out/$name.analysis.jsonl -nt $bin ]] || "$bin" "$clip" --analyze -o "$out/$name.analysis.jsonl" --progress none
done

python3 - "$out" "${clips[@]}" <<'PY'
import json, os, sys
import numpy as np

out, clips = sys.argv[1], sys.argv[2:]
frames = lambda name, run: {f["frame"]: f for f in json.load(open(os.path.join(out, f"{name}.{run}.frames.json")))["frames"]}

def engine_faces(name):
    faces = {}
    for line in open(os.path.join(out, f"{name}.analysis.jsonl")):
        if not line.strip():
            continue
        record = json.loads(line)
        faces[record["index"]] = [f for f in record["faces"] if f.get("gaze_offset")]
    return faces

def same_face(reading, faces):
    """The engine's face whose image-left eye (dlib 36–41) lies where the referee found that eye, if near."""
    box = reading["eyes"]["right"]["box"]
    centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    near = [(np.linalg.norm(np.array(f["eye_landmarks"][:6], float).mean(0) - centre), f) for f in faces]
    near = [n for n in near if n[0] < 0.5 * (box[2] - box[0])]
    return min(near, key=lambda n: n[0])[1] if near else None

def median(xs):
    return f"{np.median(xs):.3f}" if len(xs) else "–"

print("| clip | off | h red | ceiling | signed | past | near | far | est r | est / in |")
print("|---|---|---|---|---|---|---|---|---|---|")
for clip in clips:
    name = os.path.splitext(os.path.basename(clip))[0]
    inp, base, res, faces = frames(name, "input"), frames(name, "baseline"), frames(name, "i1"), engine_faces(name)
    open_ = [i for i, x in inp.items() if x["face"] and res.get(i, {}).get("face") and x["ear"] > 0.18]
    off = [i for i in open_ if 0.04 < abs(inp[i]["h"]) <= 0.15]
    hin = np.array([inp[i]["h"] for i in off])
    hout = np.array([res[i]["h"] for i in off])
    ceiling = [1 - abs(base[i]["h"] - inp[i]["h"]) / abs(inp[i]["h"]) for i in off if base.get(i, {}).get("face")]
    eyes = []
    for i in off:
        e = inp[i]["eyes"]
        near, far = sorted(e, key=lambda k: -e[k]["width"])
        if e[far]["width"] < 0.8 * e[near]["width"]:
            eyes.append([1 - res[i]["eyes"][k]["h"] / e[k]["h"] if abs(e[k]["h"]) > 0.02 else np.nan for k in (near, far)])
    eyes = np.array(eyes).reshape(-1, 2) if len(eyes) >= 10 else np.empty((0, 2))  # a few frames say nothing
    pairs = [(inp[i]["h"], f["gaze_offset"][0]) for i in open_ if (f := same_face(inp[i], faces.get(i, [])))]
    ref, est = np.array(pairs).reshape(-1, 2).T
    r = f"{np.corrcoef(ref, est)[0, 1]:.2f}" if len(ref) > 2 else "–"
    ratio = [e / h for h, e in pairs if 0.04 < abs(h) <= 0.15]
    cells = [str(len(off)), median(1 - np.abs(hout) / np.abs(hin)), median(ceiling), median(1 - hout / hin),
             f"{np.mean(hout / hin < 0):.2f}" if len(off) else "–",
             median(eyes[:, 0][~np.isnan(eyes[:, 0])]), median(eyes[:, 1][~np.isnan(eyes[:, 1])]), r, median(ratio)]
    print(f"| {name[:28]} | " + " | ".join(cells) + " |")
PY

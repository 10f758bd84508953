#!/usr/bin/env bash
# Hard cases for the quality table: derives clips that stress the engine from the shared fixtures (local
# measurement only; nothing here is committed) and runs scripts/quality.sh on them.
#   lowlight  v01 darkened (gamma 0.55, −0.12 brightness) with temporal noise, as an underlit webcam
#   vertical  v02 cropped to a 9:16 phone frame around the face (608×1080)
#   small     v01 scaled to 480×270: the face ≈ 90 px wide
#   roll      v01 rolled 12° (head tilt)
#   occluded  v01 with a skin-coloured block (a hand) over one eye for one second
#   down      v01 with its gaze moved 10° down by the engine itself (a synthetic looking-down input: the
#             shared clips have no strong downward gaze)
#   mirrored  v02 flipped left to right: the same glance toward the other side
#   pan       v01 seen through a 1600×900 window that sways ±100 px across and ±40 px up and down (1.2 and
#             0.9 Hz): a presenter who moves, or a handheld camera (the face moves at up to 750 px/s)
#   two       two people side by side: v02 (face ≈ 200 px) left, v01 at half size (≈ 160 px) right, 1920×648
#   background  v01 with v02 at a third of its size in the top-left corner: a presenter (≈ 310 px) and a
#             bystander (≈ 110 px) glancing sideways behind them
#   shake     v01 at 640×360 through a 560×314 window shaking ±40 px across at 4 Hz and ±16 px up and down at
#             3 Hz: a handheld camera knocked about (the face, ≈ 110 px, jumps up to 33 px a frame)
#   closeup   v01's middle 960×540 scaled back to 1920×1080: a presenter close to the lens (face ≈ 700 px,
#             eyes ≈ 130 px wide)
# Usage: scripts/hard-cases.sh [--table-only]. Clips go to out/hard/clips, results to out/hard (QUALITY_OUT).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
src=${FIXTURES:-../shared/fixtures}
clips=out/hard/clips
mkdir -p "$clips"
v01=$src/v01_nvvfx_webcam_frontal_1080p.mp4 v02=$src/v02_nvvfx_webcam_looking_sideways_1080p.mp4
for f in "$v01" "$v02"; do [[ -f $f ]] || { echo "hard-cases: missing $f" >&2; exit 1; }; done
source scripts/shake-filter.sh
ff() { ffmpeg -nostdin -v error -y "$@"; }
x264=(-c:v libx264 -preset medium -crf 14 -pix_fmt yuv420p)
if [[ ${1:-} != --table-only ]]; then
    swift build -c release --product gaze-redirect >&2
    [[ -f $clips/lowlight.mp4 ]] || ff -i "$v01" -vf "eq=gamma=0.55:brightness=-0.12,noise=alls=10:allf=t" "${x264[@]}" "$clips/lowlight.mp4"
    [[ -f $clips/vertical.mp4 ]] || ff -i "$v02" -vf "crop=608:1080:752:0" "${x264[@]}" "$clips/vertical.mp4"
    [[ -f $clips/small.mp4 ]] || ff -i "$v01" -vf "scale=480:270" "${x264[@]}" "$clips/small.mp4"
    [[ -f $clips/roll.mp4 ]] || ff -i "$v01" -vf "rotate=12*PI/180:c=black" "${x264[@]}" "$clips/roll.mp4"
    [[ -f $clips/occluded.mp4 ]] || ff -i "$v01" -vf "drawbox=x=1080:y=290:w=160:h=260:color=0xB88468:t=fill:enable='between(n,30,60)'" "${x264[@]}" "$clips/occluded.mp4"
    [[ -f $clips/mirrored.mp4 ]] || ff -i "$v02" -vf hflip "${x264[@]}" "$clips/mirrored.mp4"
    [[ -f $clips/pan.mp4 ]] || ff -i "$v01" -vf "crop=1600:900:x='160+100*sin(2*PI*t*1.2)':y='90+40*sin(2*PI*t*0.9)'" "${x264[@]}" "$clips/pan.mp4"
    [[ -f $clips/two.mp4 ]] || ff -i "$v02" -i "$v01" -filter_complex \
        "[0:v]scale=1152:648,crop=960:648:96:0[a];[1:v]scale=960:540,pad=960:648:0:54[b];[a][b]hstack" "${x264[@]}" "$clips/two.mp4"
    [[ -f $clips/background.mp4 ]] || ff -i "$v01" -i "$v02" -filter_complex "[1:v]scale=640:360[b];[0:v][b]overlay=0:0" \
        "${x264[@]}" "$clips/background.mp4"
    [[ -f $clips/shake.mp4 ]] || ff -i "$v01" -vf "$shake_filter" \
        "${x264[@]}" "$clips/shake.mp4"
    [[ -f $clips/closeup.mp4 ]] || ff -i "$v01" -vf "crop=960:540:480:160,scale=1920:1080:flags=lanczos" "${x264[@]}" "$clips/closeup.mp4"
    [[ -f $clips/down.mp4 ]] || .build/release/gaze-redirect "$v01" -o "$clips/down.mp4" --target-below-lens=10 --crf 14 --progress none
fi
QUALITY_OUT=${QUALITY_OUT:-out/hard} exec scripts/quality.sh "$@" "$clips"/{lowlight,vertical,small,roll,occluded,down,mirrored,pan,two,background,shake,closeup}.mp4

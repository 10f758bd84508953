#!/usr/bin/env bash
# Derive small test inputs from the committed fixtures in Fixtures/ with the ffmpeg CLI.
#
#   scripts/make-fixtures.sh [OUTPUT_DIR]     (default: Fixtures/derived/, gitignored)
#
# Idempotent: an output is skipped when it exists and is newer than this script and than
# its input. Each output is written to a temporary name first and renamed when complete.
# Prints one line per output. See Fixtures/README.md for what each file is for.
set -euo pipefail

script_path="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$script_path")/.." && pwd)"
fixtures="$root/Fixtures"
out="${1:-$fixtures/derived}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

source "$root/scripts/shake-filter.sh"

for tool in ffmpeg ffprobe; do
    command -v "$tool" >/dev/null || { echo "make-fixtures: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done

V01="$fixtures/v01_nvvfx_webcam_frontal_1080p.mp4"
V02="$fixtures/v02_nvvfx_webcam_looking_sideways_1080p.mp4"
V10="$fixtures/v10_pexels_two_people_looking_down.mp4"
V12="$fixtures/v12_intel_bottles_no_face.mp4"
for f in "$V01" "$V02" "$V10" "$V12"; do
    [[ -f "$f" ]] || { echo "make-fixtures: missing $f" >&2; exit 1; }
done

encoders="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
has_encoder() { grep -qE "^ [A-Z.]{6} $1 " <<<"$encoders"; }
x264_pix_fmts="$(ffmpeg -hide_banner -h encoder=libx264 2>/dev/null | sed -n 's/.*Supported pixel formats: //p')"

FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
X264=(-c:v libx264 -preset veryfast -crf 23)
export SVT_LOG=1   # SVT-AV1: errors only

tmp=""
cleanup() { [[ -n "$tmp" && -e "$tmp" ]] && rm -f "$tmp"; return 0; }
trap cleanup EXIT

# fresh NAME INPUT... : true when $out/NAME exists and is newer than this script and every input.
fresh() {
    local target="$out/$1"; shift
    [[ -e "$target" && "$target" -nt "$script_path" ]] || return 1
    local dep
    for dep in "$@"; do [[ "$target" -nt "$dep" ]] || return 1; done
}

# derive NAME "DESCRIPTION" INPUT -- ffmpeg arguments (output path appended).
derive() {
    local name="$1" desc="$2" input="$3"; shift 4
    if fresh "$name" "$input"; then
        printf '%-18s up to date\n' "$name"; return 0
    fi
    tmp="$out/${name%.*}.partial.${name##*.}"
    "${FF[@]}" "$@" "$tmp"
    mv -f "$tmp" "$out/$name"; tmp=""
    printf '%-18s %s\n' "$name" "$desc"
}

skip() { printf '%-18s SKIPPED: %s\n' "$1" "$2"; }

# --- small clips from the committed fixtures --------------------------------------------------
# v02_small is deliberately NOT faststart (moov after mdat): truncated.mp4 relies on it.
derive v02_small.mp4 "v02 640 wide, 2 s, H.264 yuv420p + AAC stereo 48 kHz 440 Hz tone" "$V02" -- \
    -t 2 -i "$V02" -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -map 0:v:0 -map 1:a:0 -vf scale=640:-2 "${X264[@]}" -pix_fmt yuv420p \
    -c:a aac -b:a 96k -ac 2 -ar 48000 -t 2 -shortest -map_metadata -1
derive v01_small.mp4 "v01 640 wide, 1.5 s, H.264 yuv420p, no audio" "$V01" -- \
    -t 1.5 -i "$V01" -map 0:v:0 -vf scale=640:-2 "${X264[@]}" -pix_fmt yuv420p -an -map_metadata -1
derive v10_small.mp4 "v10 640 wide, 2 s, H.264 yuv420p, two faces looking down" "$V10" -- \
    -t 2 -i "$V10" -map 0:v:0 -vf scale=640:-2 "${X264[@]}" -pix_fmt yuv420p -an -map_metadata -1
derive v10_blink.mp4 "v10 3.0–4.8 s cropped 480x360 around the girl, who blinks at 4 s" "$V10" -- \
    -ss 3 -t 1.8 -i "$V10" -map 0:v:0 -vf crop=480:360:300:100 "${X264[@]}" -pix_fmt yuv420p -an -map_metadata -1
derive bystander.mp4 "v01 cropped round the face, 640x360, 1 s, v02 at a sixth of its size over the top left" "$V01" -- \
    -t 1 -i "$V01" -t 1 -i "$V02" -filter_complex "[0:v]crop=1280:720:420:100,scale=640:360[a];[1:v]scale=320:180[b];[a][b]overlay=0:0" \
    "${X264[@]}" -pix_fmt yuv420p -an -map_metadata -1
derive shake.mp4 "v01 at 640x360 through a 560x314 window shaking ±40 px across at 4 Hz, ±16 px up and down at 3 Hz, 1 s" "$V01" -- \
    -t 1 -i "$V01" -map 0:v:0 -vf "$shake_filter" \
    "${X264[@]}" -pix_fmt yuv420p -an -map_metadata -1
derive noface_small.mp4 "v12 320 wide, 1 s, H.264 yuv420p, no face" "$V12" -- \
    -t 1 -i "$V12" -map 0:v:0 -vf scale=320:-2 "${X264[@]}" -pix_fmt yuv420p -an -map_metadata -1

# --- codec / format variants of v02_small (1 s, 480 wide) --------------------------------------
S="$out/v02_small.mp4"
IN=(-t 1 -i "$S" -map 0:v:0 -an -map_metadata -1)
W480="scale=480:-2"

if has_encoder libx265; then
    derive hevc.mkv "HEVC (libx265) yuv420p" "$S" -- "${IN[@]}" -vf "$W480" \
        -c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p
else skip hevc.mkv "ffmpeg has no libx265 encoder"; fi

if has_encoder libvpx-vp9; then
    derive vp9.webm "VP9 (libvpx-vp9, realtime)" "$S" -- "${IN[@]}" -vf "$W480" \
        -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 400k -pix_fmt yuv420p
else skip vp9.webm "ffmpeg has no libvpx-vp9 encoder"; fi

if has_encoder libaom-av1; then
    derive av1.mkv "AV1 (libaom-av1, cpu-used 8)" "$S" -- "${IN[@]}" -vf "$W480" \
        -c:v libaom-av1 -usage realtime -cpu-used 8 -crf 35 -b:v 0 -pix_fmt yuv420p
elif has_encoder libsvtav1; then
    derive av1.mkv "AV1 (libsvtav1, preset 12)" "$S" -- "${IN[@]}" -vf "$W480" \
        -c:v libsvtav1 -preset 12 -pix_fmt yuv420p
else skip av1.mkv "ffmpeg has neither libaom-av1 nor libsvtav1"; fi

derive mpeg4.avi "MPEG-4 Part 2 in AVI" "$S" -- "${IN[@]}" -vf "$W480" -c:v mpeg4 -q:v 4 -pix_fmt yuv420p

if has_encoder libx264 && grep -qw yuv420p10le <<<"$x264_pix_fmts"; then
    derive yuv10.mkv "H.264 High 10, yuv420p10le" "$S" -- "${IN[@]}" -vf "$W480" \
        "${X264[@]}" -pix_fmt yuv420p10le
elif has_encoder libx265; then
    derive yuv10.mkv "HEVC Main 10, yuv420p10le (libx264 lacks 10-bit)" "$S" -- "${IN[@]}" -vf "$W480" \
        -c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p10le
else skip yuv10.mkv "neither libx264 nor libx265 can encode 10-bit"; fi

derive yuv422.mp4 "H.264 High 4:2:2, yuv422p" "$S" -- "${IN[@]}" -vf "$W480" "${X264[@]}" -pix_fmt yuv422p
derive yuv444.mp4 "H.264 High 4:4:4, yuv444p" "$S" -- "${IN[@]}" -vf "$W480" "${X264[@]}" -pix_fmt yuv444p
derive yuvj.mp4 "H.264 yuvj420p, full range (pc)" "$S" -- "${IN[@]}" -vf "$W480,format=yuvj420p" \
    "${X264[@]}" -pix_fmt yuvj420p -color_range pc
# libx264 refuses odd sizes in 4:2:0; MPEG-4 Part 2 accepts them, so the odd case stays 4:2:0
# (chroma planes 240x136 for 479x271 luma).
derive odd.mp4 "MPEG-4 Part 2 yuv420p, odd size 479x271" "$S" -- "${IN[@]}" -vf "scale=479:271,setsar=1" \
    -c:v mpeg4 -q:v 4 -pix_fmt yuv420p
# ffmpeg 5.1 has no -display_rotation; the mp4 muxer turns the legacy "rotate" tag into a
# display matrix (ffprobe: side data "Display Matrix", rotation 90).
derive rotated.mp4 "stream copy of v02_small with display matrix, rotate=90" "$S" -- \
    -i "$S" -map 0 -c copy -metadata:s:v:0 rotate=90
# A phone's portrait recording: landscape pictures with the face on its side, plus a display matrix that
# turns them upright (ffprobe: rotation -90). Encoding drops a "rotate" tag, so the tag goes on a stream copy.
derive sideways.mp4 "v02 9:16 crop at 360x640, pixels turned a quarter counter-clockwise, no tag" "$V02" -- \
    -t 1.5 -i "$V02" -map 0:v:0 -vf "crop=608:1080:752:0,scale=360:640,transpose=cclock" "${X264[@]}" \
    -pix_fmt yuv420p -an -map_metadata -1
derive phone.mp4 "stream copy of sideways.mp4 with display matrix, rotate=270 (plays upright)" "$out/sideways.mp4" -- \
    -i "$out/sideways.mp4" -map 0 -c copy -metadata:s:v:0 rotate=270
# Frame durations cycle 20, 33, 50 ms (average ~29 fps), timestamps in whole milliseconds.
# ffmpeg 5.1 would otherwise encode in 1/frame-rate units and round the jitter away
# (-enc_time_base); no B-frames, so every packet carries its own frame duration.
derive vfr.mp4 "H.264, variable frame rate (durations 20/33/50 ms)" "$S" -- "${IN[@]}" \
    -vf "$W480,settb=1/1000,setpts='floor(N/3)*103+eq(mod(N,3),1)*20+eq(mod(N,3),2)*53'" \
    -fps_mode passthrough -enc_time_base 1/1000 -video_track_timescale 1000 \
    "${X264[@]}" -bf 0 -pix_fmt yuv420p

AV=(-t 1 -i "$S" -map 0:v:0 -map 0:a:0 -map_metadata -1 -vf "$W480" "${X264[@]}" -pix_fmt yuv420p)
derive pcm_audio.mov "H.264 + pcm_s16le stereo 48 kHz in MOV" "$S" -- "${AV[@]}" -c:a pcm_s16le
if has_encoder libopus; then
    derive opus.mkv "H.264 + Opus stereo 48 kHz in MKV" "$S" -- "${AV[@]}" -c:a libopus -b:a 64k
else skip opus.mkv "ffmpeg has no libopus encoder"; fi

derive bt709_tags.mp4 "H.264 tagged bt709 primaries/trc/matrix, tv range" "$S" -- "${IN[@]}" -vf "$W480" \
    "${X264[@]}" -pix_fmt yuv420p -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv
derive sar.mp4 "H.264 480x270 with SAR 4:3 (display 640x270)" "$S" -- "${IN[@]}" -vf "$W480,setsar=4/3" \
    "${X264[@]}" -pix_fmt yuv420p

# --- bad inputs -------------------------------------------------------------------------------
if fresh text.mp4; then printf '%-18s up to date\n' text.mp4; else
    printf 'This is a plain text file with an .mp4 name. It is not a video.\n' >"$out/text.mp4"
    printf '%-18s %s\n' text.mp4 "plain text named .mp4"
fi
if fresh empty.mp4; then printf '%-18s up to date\n' empty.mp4; else
    : >"$out/empty.mp4"
    printf '%-18s %s\n' empty.mp4 "zero bytes"
fi
if fresh truncated.mp4 "$S"; then printf '%-18s up to date\n' truncated.mp4; else
    size=$(stat -c %s "$S")
    head -c $((size * 30 / 100)) "$S" >"$out/truncated.mp4"
    printf '%-18s %s\n' truncated.mp4 "first 30 % of v02_small.mp4 (moov atom missing)"
fi
derive audio_only.m4a "AAC stereo 48 kHz 440 Hz tone, 1 s, no video" "$script_path" -- \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=1 -c:a aac -b:a 96k -ac 2 -ar 48000

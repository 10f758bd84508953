#!/usr/bin/env python3
"""Composes the contact sheet from the analyses and corrected videos scripts/contact-sheet.sh made.
Usage: contact-sheet.py OUT_DIR CLIP..."""
import json, os, subprocess, sys, tempfile

TILE_W, TILE_H, MOMENTS = 240, 96, 4


def eye_box(face):
    """Both eyes' landmarks, padded and widened to the tile's aspect, as (x, y, w, h) in even pixels."""
    xs = [p[0] for p in face["eye_landmarks"]]
    ys = [p[1] for p in face["eye_landmarks"]]
    w = (max(xs) - min(xs)) * 1.5
    h = max(w * TILE_H / TILE_W, (max(ys) - min(ys)) * 2)
    w = h * TILE_W / TILE_H
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [2 * round(v / 2) for v in (cx - w / 2, cy - h / 2, w, h)]


def crop(video, frame, box, target):
    x, y, w, h = box
    scale = f"scale={TILE_W}:{TILE_H}:force_original_aspect_ratio=decrease,pad={TILE_W}:{TILE_H}:(ow-iw)/2:(oh-ih)/2"
    # Crops outside the picture are clamped by padding the source first.
    filters = f"select=eq(n\\,{frame}),pad=iw+{2*w}:ih+{2*h}:{w}:{h},crop={w}:{h}:{x+w}:{y+h},{scale}"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", video, "-vf", filters, "-frames:v", "1", target], check=True)


def main():
    out, clips = sys.argv[1], sys.argv[2:]
    tiles, rows, names = [], 0, []
    with tempfile.TemporaryDirectory() as work:
        for clip in clips:
            name = os.path.splitext(os.path.basename(clip))[0]
            frames = [json.loads(line) for line in open(os.path.join(out, f"{name}.jsonl"))]
            with_face = [f for f in frames if f["faces"]]
            if not with_face:
                print(f"contact-sheet: {name}: no face found, left out", file=sys.stderr)
                continue
            picks = [with_face[(i * (len(with_face) - 1)) // max(1, MOMENTS - 1)] for i in range(MOMENTS)]
            for i, frame in enumerate(picks):
                face = max(frame["faces"], key=lambda f: f["box"][2] - f["box"][0])
                box = eye_box(face)
                for side, video in (("in", clip), ("out", os.path.join(out, f"{name}.i1.mp4"))):
                    target = os.path.join(work, f"{rows:02d}-{i}-{side}.png")
                    crop(video, frame["index"], box, target)
                    tiles.append(target)
            rows += 1
            names.append(name)
        if not tiles:
            sys.exit("contact-sheet: no clip had a face")
        columns = 2 * MOMENTS
        layout = "|".join(f"{(k % columns) * TILE_W + (k % columns) // 2 * 8}_{(k // columns) * (TILE_H + 8)}" for k in range(len(tiles)))
        inputs = [arg for tile in tiles for arg in ("-i", tile)]
        sheet = os.path.join(out, "contact-sheet.png")
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *inputs, "-filter_complex",
                        f"xstack=inputs={len(tiles)}:layout={layout}:fill=white", sheet], check=True)
    print(f"contact sheet: {sheet} ({rows} clips × {MOMENTS} moments; in each pair, input left, output right)")
    for row, name in enumerate(names, 1):
        print(f"  row {row}: {name}")


if __name__ == "__main__":
    main()

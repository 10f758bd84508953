#!/usr/bin/env bash
# Contact sheet: before/after eye crops of every clip on one PNG, for a reviewer to see the result at a glance.
# Each row is a clip; each pair of tiles is one moment, the input on the left and the output at intensity 1 on the right,
# at four moments spread over the frames where a face was found. Usage: scripts/contact-sheet.sh [CLIP …]
# Defaults to every .mp4 in ../shared/fixtures (or Fixtures/). Writes out/contact/contact-sheet.png
# (CONTACT_OUT to change); the corrected videos and analyses stay beside it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${CONTACT_OUT:-out/contact}
mkdir -p "$out"
clips=("$@")
if ((${#clips[@]} == 0)); then
    if compgen -G "../shared/fixtures/v*.mp4" >/dev/null; then clips=(../shared/fixtures/v*.mp4); else clips=(Fixtures/v*.mp4); fi
fi
swift build -c release --product gaze-redirect >&2
bin=.build/release/gaze-redirect
for clip in "${clips[@]}"; do
    name=$(basename "${clip%.*}")
    echo "contact-sheet: $name" >&2
    "$bin" "$clip" --analyze -o "$out/$name.jsonl" --progress none
    "$bin" "$clip" -o "$out/$name.i1.mp4" --intensity 1 --progress none
done
python3 scripts/contact-sheet.py "$out" "${clips[@]}"

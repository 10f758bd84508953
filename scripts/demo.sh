#!/usr/bin/env bash
# Installs what is missing, builds the CLI (release) and redirects the gaze in a bundled clip.
# Usage: scripts/demo.sh [INPUT] [OUTPUT]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
swift build -c release --product gaze-redirect
input=${1:-Fixtures/v02_nvvfx_webcam_looking_sideways_1080p.mp4}
output=${2:-out/$(basename "${input%.*}")-redirected.mp4}
mkdir -p "$(dirname "$output")"
.build/release/gaze-redirect "$input" -o "$output" --progress auto
echo "redirected video: $(cd "$(dirname "$output")" && pwd)/$(basename "$output")"

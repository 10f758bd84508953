#!/usr/bin/env bash
# Install the Debian packages GazeRedirect builds and runs against (FFmpeg, dlib, BLAS/LAPACK, SQLite).
# Idempotent: only missing packages are installed; `apt-get update` runs once, only when needed.
# Prints one line: what was installed, or "all present".
set -euo pipefail

packages=(
    libavcodec-dev libavformat-dev libswscale-dev libswresample-dev libavutil-dev
    libdlib-dev libdlib-data libblas-dev liblapack-dev libsqlite3-dev pkg-config ffmpeg
)

missing=()
for pkg in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all present"
    exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
run() { "$@" >>"$log" 2>&1 || { cat "$log" >&2; echo "install-deps: failed: $*" >&2; exit 1; }; }

run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
run "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

echo "install-deps: installed ${missing[*]}"

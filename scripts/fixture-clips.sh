# Sourced by quality.sh and calibration.sh: the clips named on the command line, else every shared clip
# (or the committed ones when ../shared is absent).
clips=("$@")
if ((${#clips[@]} == 0)); then
    if compgen -G "../shared/fixtures/v*.mp4" >/dev/null; then clips=(../shared/fixtures/v*.mp4); else clips=(Fixtures/v*.mp4); fi
fi

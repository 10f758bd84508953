# Sourced by make-fixtures.sh (a 1 s test input) and hard-cases.sh (the `shake` quality clip): the frontal
# clip at 640×360 seen through a 560×314 window shaking ±40 px across at 4 Hz and ±16 px up and down at 3 Hz,
# a handheld camera knocked about.
# shellcheck disable=SC2034  # used by the scripts that source this
shake_filter="scale=640:360,crop=560:314:x='40+40*sin(2*PI*t*4)':y='22+16*sin(2*PI*t*3)'"

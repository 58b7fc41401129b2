#!/usr/bin/env bash
# Gradescope autograder set-up: runs once, as root, when Gradescope builds the image (Ubuntu).
# `grader ci-template gradescope --zip autograder.zip --exercise SPEC` puts this file,
# run_autograder, the spec(s) and a wheel of the instructor's own grader in the zip; the grader
# is installed from that wheel (its dependencies from the package index: no other network).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update
  apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -m venv "$ROOT/venv"
wheel=$(ls "$ROOT"/source/backprop_grader-*.whl 2>/dev/null | head -n 1 || true)
# Without a wheel in the zip: GRADER_PACKAGE, a pinned VCS URL of the course's copy
# (git+https://github.com/COURSE/backprop-grader@<commit sha>).
"$ROOT/venv/bin/python" -m pip install --no-cache-dir "${wheel:-${GRADER_PACKAGE:-backprop-grader}}"
"$ROOT/venv/bin/grader" --version

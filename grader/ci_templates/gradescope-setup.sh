#!/usr/bin/env bash
# Gradescope autograder set-up: runs once, as root, when Gradescope builds the image (Ubuntu).
# Zip this file with run_autograder (both at the top of the zip). Made by
# `grader ci-template gradescope`; docs/ci.md explains it.
set -euo pipefail
GRADER_PACKAGE="${GRADER_PACKAGE:-backprop-grader}"  # or a pinned VCS URL of the course's copy
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install "$GRADER_PACKAGE"

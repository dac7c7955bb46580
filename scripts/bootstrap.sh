#!/usr/bin/env bash
# Set up this machine for sohoa, installing only what is missing:
#   1. Debian packages: tesseract-ocr, tesseract-ocr-vie, tesseract-ocr-osd, poppler-utils
#      (+ chromium and fonts-liberation for the tests when WITH_BROWSER=1,
#       + unpaper ghostscript for the OCRmyPDF comparison when WITH_BENCH=1)
#   2. a virtual environment .venv with sohoa installed editable (with the dev extras)
# Safe to run again: it does nothing when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS:-dev}

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if command -v tesseract >/dev/null 2>&1; then
  langs=$(tesseract --list-langs 2>/dev/null || true)
  grep -qx vie <<<"$langs" || missing+=(tesseract-ocr-vie)
  grep -qx osd <<<"$langs" || missing+=(tesseract-ocr-osd)
else
  missing+=(tesseract-ocr-vie tesseract-ocr-osd)
fi
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ "${WITH_BROWSER:-0}" = 1 ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # Vietnamese-capable fonts: the browser test's page, and the test scans drawn with Pillow
  [ -f /usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf ] || missing+=(fonts-liberation)
fi
if [ "${WITH_BROWSER:-0}" = 1 ] || [ "${WITH_BENCH:-0}" = 1 ]; then
  # The corpus generator (corpusgen/): Times-metric fonts with Vietnamese glyphs, a handwriting font
  [ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] || missing+=(fonts-liberation2)
  [ -f /usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-regular.otf ] || missing+=(fonts-texgyre)
  [ -f /usr/share/fonts/truetype/fifthhorseman/dkg.ttf ] || missing+=(fonts-dkg-handwriting)
fi
if [ "${WITH_BENCH:-0}" = 1 ]; then
  command -v unpaper >/dev/null 2>&1 || missing+=(unpaper)
  command -v gs >/dev/null 2>&1 || missing+=(ghostscript)
fi

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "sohoa needs these Debian packages: ${missing[*]}" >&2
    echo "Install them as root:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "sohoa needs Python >= 3.11 ($PYTHON is $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"

# Reinstall only when the project definition changed since the last install.
# The editable install puts the project folder on sys.path (editable_mode=compat) rather than
# setuptools' import hook: a Dask worker puts its scratch folder first on sys.path, and that
# folder holds a "storage" directory that would otherwise shadow sohoa's `storage` package.
stamp="$VENV/.sohoa-installed"
want=$(sha256sum pyproject.toml | cut -d' ' -f1)-$EXTRAS-compat
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing sohoa into $VENV ..."
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$EXTRAS]" \
    --config-settings editable_mode=compat
  echo "$want" >"$stamp"
fi

#!/usr/bin/env bash
# Installs everything gr-semjscc needs on Debian 12, idempotently:
#   1. Debian's GNU Radio 3.10 + UHD + ZeroMQ bindings + GTK for GNU Radio Companion (apt; as root, or with sudo);
#   2. .venv from Debian's python3 with --system-site-packages (GNU Radio's bindings
#      live there and need Debian's numpy 1.x, which the venv pins);
#   3. torch 2.13.0 (CPU) and the rest with pip, then `pip install -e .`, then Sionna's FEC;
#   4. the OOT module (gnuradio.semjscc shim, GRC YAMLs, flowgraphs, models) with
#      CMake into the venv's prefix.
# Every step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=$VENV/bin/python
APT_PACKAGES="gnuradio gnuradio-dev python3-uhd uhd-host python3-zmq python3-venv cmake g++ make gir1.2-gtk-3.0"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing_apt=$(dpkg-query -W -f='${Package} ${Status}\n' $APT_PACKAGES 2>/dev/null | grep -cv "install ok installed" || true)
if ! dpkg-query -W $APT_PACKAGES >/dev/null 2>&1 || [ "$missing_apt" != 0 ]; then
  echo "setup: installing Debian packages: $APT_PACKAGES"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $APT_PACKAGES >/dev/null
fi

if [ ! -x "$PY" ]; then
  echo "setup: creating $VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi

# Keep Debian's numpy: GNU Radio's compiled bindings break with numpy 2.
constraints=$VENV/constraints.txt
echo "numpy==$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')" > "$constraints"
cat scripts/constraints.txt >> "$constraints"  # every runtime and test dependency at a known version

if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "setup: installing torch 2.13.0 (CPU)"
  "$PY" -m pip install -q -c "$constraints" torch==2.13.0
fi
if ! "$PY" -c "import semjscc, pytorch_msssim, tqdm, pytest, hypothesis, openvino" 2>/dev/null \
   || [ pyproject.toml -nt "$VENV/.semjscc-installed" ] || [ scripts/constraints.txt -nt "$VENV/.semjscc-installed" ]; then
  echo "setup: installing gr-semjscc (pip install -e .)"
  "$PY" -m pip install -q -c "$constraints" --no-build-isolation -e ".[test]"
  touch "$VENV/.semjscc-installed"
fi

# Sionna's 5G LDPC/CRC/QAM for the digital link.  Its metadata asks for numpy>=2 (which GNU Radio's bindings
# cannot load); the parts we use run on numpy 1.x, so it goes in without its declared dependencies
# (the ones it needs are in pyproject.toml), and the tests of the digital link check it works.
if ! "$PY" -c "import sionna.phy.fec.ldpc" 2>/dev/null; then
  echo "setup: installing sionna-no-rt 2.2.0 (without its numpy 2 pin)"
  "$PY" -m pip install -q --no-deps sionna-no-rt==2.2.0
fi

# The OOT module, into the venv's prefix (pip manages the semjscc package itself).
prefix=$(cd "$VENV" && pwd)
cmake -S . -B build -DCMAKE_INSTALL_PREFIX="$prefix" -DPYTHON_EXECUTABLE="$prefix/bin/python" \
      -DSEMJSCC_INSTALL_PYTHON_PACKAGE=OFF >build.log 2>&1 || { cat build.log; exit 1; }
cmake --install build >>build.log 2>&1 || { cat build.log; exit 1; }
rm -f build.log
"$PY" -c "from gnuradio import semjscc" || { echo "setup: 'from gnuradio import semjscc' fails" >&2; exit 1; }
echo "setup: ready ($("$PY" -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)'))"

#!/usr/bin/env bash
# Set up workbench and serve its dashboards with Voila on localhost:
#   http://127.0.0.1:${PORT:-8866}/   (index.ipynb lists the dashboards)
# Extra arguments go to voila.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python -m pip install --quiet --disable-pip-version-check -e .
exec voila notebooks/dashboards --port="${PORT:-8866}" --no-browser --Voila.ip=127.0.0.1 "$@"

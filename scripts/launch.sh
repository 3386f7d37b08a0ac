#!/usr/bin/env bash
# Set up workbench and serve it on this machine (127.0.0.1 only).
#
#   bash scripts/launch.sh          the Voila dashboards: http://127.0.0.1:${PORT:-8866}/?token=...
#   bash scripts/launch.sh lab      JupyterLab with the tutorials and the dashboards (notebooks/):
#                                   http://127.0.0.1:${PORT:-8888}/lab?token=...
#
# The dashboards are served by `python -m widgets.server` (Voila with a token, Host/Origin
# checks, bounded websockets, kernels shut down when a page closes or after CULL_IDLE seconds
# idle). Before serving, every dashboard runs once so the compiled-code cache is warm (WARM=0
# skips that), and POOL kernels per dashboard are kept preheated (the notebook already run),
# so a visitor's first render is a page load. Each preheated kernel holds about 250 MB.
# Environment: PORT, POOL (default 1), CULL_IDLE (seconds, default 600), TOKEN (default: a
# random one, printed with the URL), WARM (default 1). Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python -m pip install --quiet --disable-pip-version-check -e .

if [ "${1:-}" = "lab" ]; then
    shift
    # JupyterLab refuses to run as root (containers, CI) unless told to
    ROOT_FLAG=""; [ "$(id -u)" = "0" ] && ROOT_FLAG="--allow-root"
    exec python -m jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 \
        --ServerApp.port="${PORT:-8888}" --no-browser $ROOT_FLAG \
        ${TOKEN:+--IdentityProvider.token="$TOKEN"} "$@"
fi

if [ "${WARM:-1}" != "0" ]; then
    echo "Warming the compiled-code cache (every dashboard runs once) ..."
    python -m widgets.server warm notebooks/dashboards
fi
exec python -m widgets.server notebooks/dashboards --port="${PORT:-8866}" --no-browser \
    --Voila.ip=127.0.0.1 --preheat_kernel=True --pool_size="${POOL:-1}" \
    --VoilaKernelManager.preheat_denylist='["index.ipynb"]' \
    --cull_idle="${CULL_IDLE:-600}" ${TOKEN:+--token="$TOKEN"} "$@"

#!/usr/bin/env bash
# Set up everything the test suite needs, then run it. Extra arguments go to pytest.
# On a machine where we are root with apt-get (CI), the browser tests' Chromium is
# installed from Debian; elsewhere install `chromium` yourself for those tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    # wait for another apt/dpkg process (unattended upgrades, a parallel setup) instead of failing
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
fi

python -m pip install --quiet --disable-pip-version-check -e ".[test]"
python -m pytest "$@"

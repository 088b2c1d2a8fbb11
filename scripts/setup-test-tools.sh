#!/usr/bin/env bash
# Install what the test suite drives besides Python: Debian's Chromium, a CJK font, nginx, and
# the npm tools pinned in package.json/package-lock.json (vnu-jar, axe-core, lighthouse).
# Idempotent and quick when everything is there; `make test` runs it every time.
# Python test dependencies (Playwright, pinned in pyproject.toml's `test` extra) are installed by
# the Makefile into .venv. Playwright never downloads a browser: the tests use /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup-test-tools: apt-get install ${missing[*]}"
    $sudo apt-get update -qq
    # apt does not start nginx here; the tests run their own nginx on 127.0.0.1.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v java >/dev/null 2>&1 || { echo "setup-test-tools: Java is needed for vnu.jar" >&2; exit 1; }

# npm ci only when node_modules does not match the lock file. --ignore-scripts: vnu-jar's
# postinstall would fetch a Java runtime, and the machine already has Java.
if ! cmp -s package-lock.json node_modules/.frontline-lock 2>/dev/null; then
    echo "setup-test-tools: npm ci"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.frontline-lock
fi

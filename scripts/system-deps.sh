#!/usr/bin/env bash
# Installs the system packages the tests need (Debian): PostgreSQL for the
# PostgreSQL run, Chromium for the browser tests, gettext for the catalogues, and
# a CJK font (Noto CJK) so that Chinese renders as text, not boxes, in the browser
# tests and their screenshots.
# With CI=true a missing package that cannot be installed is an error; elsewhere
# it is a warning and the tests that need it are skipped.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif [ "${CI:-}" = "true" ]; then
    echo "Cannot install ${missing[*]}: run as root on Debian or install them first." >&2
    exit 1
else
    echo "WARNING: cannot install ${missing[*]}; tests needing them will be skipped." >&2
fi

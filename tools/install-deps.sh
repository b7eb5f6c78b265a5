#!/bin/sh
# Install the Debian packages regie needs to build and test, if missing.
# Works as root or through sudo.
set -e
PKGS="gcc make autoconf automake libtool pkg-config git
      liblua5.4-dev libinih-dev check libsqlite3-dev nettle-dev libsodium-dev libcsv-dev libmimalloc-dev
      librsvg2-bin python3 python3-icalendar chromium"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "regie: installing:$missing"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "regie: need root or sudo to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

#!/bin/sh
# Install the Debian packages regie needs, if missing: to build and run it
# (the quick start's first command), and with --test also what the test
# suite needs (tools/test.sh).  Works as root or through sudo.
set -e
# building and running regie
# The plugins' libraries are optional for configure (each plugin is left out,
# saying why, when its library is missing) and installed here so that the
# shipped workflows have them all:
#   pdf       letters as PDF: cairo, pango and a font
#   workbook  .xlsx and .ods inputs: libzip, expat
#   xlsx      Excel outputs: libxlsxwriter
#   mail      sending letters over SMTP: libcurl
#   the web console (regie serve): libmicrohttpd
PKGS="gcc make autoconf automake libtool pkg-config gettext
      liblua5.4-dev libinih-dev libsqlite3-dev nettle-dev libsodium-dev libcsv-dev libmimalloc-dev
      libcairo2-dev libpango1.0-dev fonts-dejavu-core
      libzip-dev libexpat1-dev libxlsxwriter-dev libcurl4-openssl-dev libmicrohttpd-dev"
# the test suite only: Check, git (fresh-clone tests), SVG, ICS and PDF readers,
# a headless browser for the reports
# (python3-openpyxl: an Excel reader no one here wrote, for the workbooks;
# libreoffice-calc-nogui: workbooks made by LibreOffice from the example CSVs)
TEST_PKGS="check git librsvg2-bin python3 python3-icalendar python3-openpyxl chromium poppler-utils
      libreoffice-calc-nogui"
if [ "$1" = "--test" ]; then
    PKGS="$PKGS $TEST_PKGS"
fi
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

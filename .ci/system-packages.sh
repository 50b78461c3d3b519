#!/usr/bin/env bash
# The Debian packages Rectify needs, installed with apt-get only when one is missing.
#
# Usage: .ci/system-packages.sh run|test [EXTRA-PACKAGE...]
#
#   run   the runtime set: Noto CJK fonts and fontconfig (Chinese PDFs render boxes without them),
#         HarfBuzz's subsetter (each PDF render takes seconds without it), libmagic (evidence uploads'
#         type check: `import magic` fails without it) and gettext (msgfmt compiles the translations).
#   test  the runtime set plus chromium (the browser tests, driven through Playwright) and poppler-utils.
#
# Every package is checked with dpkg-query first (or, without dpkg, with a probe of what it provides),
# so nothing runs apt when everything is present. When something is missing: as root with apt-get it
# is installed; otherwise `run` warns and goes on, `test` stops at once (exit 1) with the command to run.
#
# Environment, mainly to try the "missing" branch without removing anything:
#   SYSTEM_PACKAGES_EXTRA="name ..."  also require these packages (e.g. a name that does not exist)
#   SYSTEM_PACKAGES_INSTALL=0         never run apt-get, even as root: report as a non-root user would
set -euo pipefail

mode=${1:-}
case "$mode" in
    run | test) shift ;;
    *)
        echo "usage: $0 run|test [EXTRA-PACKAGE...]" >&2
        exit 2
        ;;
esac

runtime=(fonts-noto-cjk fontconfig libharfbuzz-subset0 libmagic1 gettext)
packages=("${runtime[@]}")
if [ "$mode" = test ]; then
    packages+=(poppler-utils chromium)
fi
# The distribution's python3.11 without its venv module: `make` could not create .venv.
if [ -x /usr/bin/python3.11 ] && ! /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null; then
    packages+=(python3.11-venv)
fi
packages+=("$@")
# shellcheck disable=SC2206  # word splitting wanted: a space-separated list
packages+=(${SYSTEM_PACKAGES_EXTRA:-})

has_library() { { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } | grep -q "$1"; }

# present PACKAGE: installed according to dpkg, or, on a machine without dpkg, what it provides is there.
present() {
    if command -v dpkg-query >/dev/null; then
        dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
        return
    fi
    case "$1" in
        fontconfig) command -v fc-list >/dev/null ;;
        fonts-noto-cjk) command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh family)" ] ;;
        libharfbuzz-subset0) has_library 'libharfbuzz-subset\.so\.0' ;;
        libmagic1) has_library 'libmagic\.so\.1' ;;
        gettext) command -v msgfmt >/dev/null ;;
        poppler-utils) command -v pdftoppm >/dev/null ;;
        chromium) command -v chromium >/dev/null || command -v chromium-browser >/dev/null ;;
        *) return 1 ;;
    esac
}

missing=()
for package in "${packages[@]}"; do
    present "$package" || missing+=("$package")
done
((${#missing[@]})) || exit 0

command="apt-get install --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${SYSTEM_PACKAGES_INSTALL:-1}" != 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
        exit 0
    fi
    echo "!! apt-get could not install: ${missing[*]}" >&2
    exit 1
fi

[ "$(id -u)" = 0 ] || command="sudo $command"
if command -v apt-get >/dev/null; then
    how="Install them with:"
else
    how="Not a Debian system: install what these Debian packages provide, which on Debian is:"
fi
if [ "$mode" = test ]; then
    echo "!! make test needs Debian packages that are missing: ${missing[*]}" >&2
    echo "!! $how" >&2
    echo "!!     $command" >&2
    echo "!! then run make test again." >&2
    exit 1
fi
echo "!! Missing Debian packages: ${missing[*]}" >&2
echo "!! Chinese PDFs may show boxes or render slowly, evidence uploads and translations may fail. $how" >&2
echo "!!     $command" >&2

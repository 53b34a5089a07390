#!/bin/sh
# install-deps.sh — makes sure the build and test dependencies are present.
#
# Checks each library through pkg-config and each tool on PATH. Installs
# what is missing with apt-get (through sudo when not root). Without apt,
# prints exactly which packages to install and fails.
set -eu

# pkg-config module -> Debian package
LIBS="sdl2:libsdl2-dev SDL2_ttf:libsdl2-ttf-dev SDL2_image:libsdl2-image-dev bdw-gc:libgc-dev cmocka:libcmocka-dev"
# command -> Debian package (tools the tests and recordings use)
TOOLS="cc:gcc make:make pkg-config:pkg-config valgrind:valgrind Xvfb:xvfb xauth:xauth xdotool:xdotool ffmpeg:ffmpeg ffprobe:ffmpeg clang:clang clang-format:clang-format"
# files -> Debian package
FILES="/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf:fonts-dejavu-core"

missing=""
for pair in $LIBS; do
    mod=${pair%%:*}; pkg=${pair#*:}
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$mod" 2>/dev/null || missing="$missing $pkg"
done
for pair in $TOOLS; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
for pair in $FILES; do
    f=${pair%%:*}; pkg=${pair#*:}
    [ -e "$f" ] || missing="$missing $pkg"
done
# libFuzzer (make test's fuzz campaign) comes with clang's runtime libraries.
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || missing="$missing libclang-rt-dev"
# pkg-config itself is needed to find the libraries.
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
missing=$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//')

[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing packages and no apt-get on this machine." >&2
    echo "install-deps: on Debian/Ubuntu these are: $missing" >&2
    echo "install-deps: install the equivalents (SDL2, SDL2_ttf, SDL2_image, Boehm GC (bdw-gc), cmocka," >&2
    echo "install-deps: pkg-config, valgrind, Xvfb, ffmpeg, DejaVu fonts) and run make again." >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "install-deps: not root and no sudo; as root run: apt-get install -y $missing" >&2
        exit 1
    fi
fi
# One line saying what and why; apt's own output (hundreds of progress
# lines) goes to a log that is shown only if the install fails.
mkdir -p build
log=build/deps.log
echo "install-deps: installing $missing (needed to build, test and record; apt's output goes to $log)" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
    echo "install-deps: apt-get failed; its output ($log):" >&2
    cat "$log" >&2
    exit 1
fi
echo "install-deps: done" >&2

#!/bin/sh
# test_install.sh — checks `make install` the way a user or packager meets
# it, from outside the tree:
#   1. install into a temporary PREFIX: every file in its GNU place, the
#      shared library with its soname and links, only tc_ symbols exported;
#   2. a program written here, outside the tree, compiles and links with
#      `pkg-config --cflags --libs tricolor` alone (shared, and static with
#      --static), and runs: it collects, and reports what it freed;
#   3. `make examples` against that install, and the examples run;
#   4. a DESTDIR install stages the same files and keeps the real prefix
#      in tricolor.pc;
#   5. `make uninstall` leaves nothing behind.
# Run by `make test` (target test-install in mk/install.mk); MAKE names the
# make to use. Exits nonzero with a message on the first failure.
set -eu

MAKE=${MAKE:-make}
top=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tricolor-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "test_install: FAIL: $*" >&2; exit 1; }
quiet() { "$@" > "$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "command failed: $*"; }; }

prefix=$tmp/prefix
quiet $MAKE --no-print-directory install PREFIX="$prefix"

# 1. The files, in their places.
for f in lib/libtricolor.a lib/libtricolor.so lib/libtricolor.so.1 include/tricolor.h \
         lib/pkgconfig/tricolor.pc bin/tricolor share/tricolor/DejaVuSansMono.ttf share/tricolor/LICENSE-DejaVu.txt; do
    [ -e "$prefix/$f" ] || fail "make install did not install $f"
done
soname=$(readelf -d "$prefix/lib/libtricolor.so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
[ "$soname" = libtricolor.so.1 ] || fail "soname is '$soname', expected libtricolor.so.1"
[ "$(readlink "$prefix/lib/libtricolor.so.1")" != "" ] || fail "libtricolor.so.1 is not a link to the versioned library"
foreign=$(nm -D --defined-only "$prefix/lib/libtricolor.so" | awk '{print $3}' | grep -v '^tc_' || true)
[ -z "$foreign" ] || fail "the shared library exports names outside tc_: $foreign"
"$prefix/bin/tricolor" list > "$tmp/list.txt" 2>&1 || fail "the installed tricolor binary does not run: $(cat "$tmp/list.txt")"
grep -q '^lisp ' "$tmp/list.txt" || fail "the installed tricolor does not list the lisp workload"
# The installed font works for the installed binary (pointed at it: viz/text.c
# does not look in datadir by itself yet).
TRICOLOR_ASSETS="$prefix/share/tricolor" "$prefix/bin/tricolor" record --seconds 0.05 --size 160x120 -o "$tmp/r.y4m" \
    > "$tmp/rec.txt" 2>&1 || fail "the installed binary cannot render with the installed font: $(cat "$tmp/rec.txt")"
grep -q 'warning' "$tmp/rec.txt" && fail "the installed font was not used: $(cat "$tmp/rec.txt")"

# 2. A program outside the tree, built with pkg-config alone.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
mkdir -p "$tmp/outside"
cat > "$tmp/outside/user.c" <<'PROG'
#include <stdio.h>
#include <tricolor.h>

int main(void) {
    tc_heap *h = tc_heap_new(NULL);
    void *list = NULL;
    tc_root_push(h, &list);
    for (int i = 0; i < 200000; i++) {
        void *node = tc_alloc(h, 1, 16);
        tc_store(h, node, 0, i % 1000 ? list : NULL); /* keep at most 1000 */
        list = node;
    }
    int n = 0;
    for (void *p = list; p; p = tc_load(h, p, 0)) n++;
    tc_collect(h);
    tc_stats s;
    tc_get_stats(h, &s);
    printf("%d %llu %llu\n", n, (unsigned long long)s.live_objects, (unsigned long long)s.cycles);
    tc_root_pop(h, 1);
    tc_heap_free(h);
    return !(n == 1000 && s.live_objects == 1000 && s.cycles >= 1);
}
PROG
cd "$tmp/outside"
cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags tricolor) user.c $(pkg-config --libs tricolor) -o user-shared \
    || fail "a program outside the tree does not build with pkg-config --cflags --libs tricolor"
LD_LIBRARY_PATH="$prefix/lib" ./user-shared > out.txt || fail "the shared-linked program failed: $(cat out.txt)"
grep -q '^1000 1000 ' out.txt || fail "unexpected output: $(cat out.txt)"
LD_LIBRARY_PATH="$prefix/lib" ldd ./user-shared | grep -q "$prefix/lib/libtricolor.so.1" \
    || fail "the program does not load the installed libtricolor.so.1"
cc -std=c11 -static $(pkg-config --cflags tricolor) user.c $(pkg-config --static --libs tricolor) -o user-static \
    || fail "a static link with pkg-config --static --libs tricolor fails"
./user-static > out.txt && grep -q '^1000 1000 ' out.txt || fail "the static program failed: $(cat out.txt)"
cd "$top"

# 3. The examples, against the install.
quiet $MAKE --no-print-directory examples BUILD="$tmp/build"
"$tmp/build/examples/list_tree" 20000 > "$tmp/ex.txt" || fail "examples/list_tree failed: $(cat "$tmp/ex.txt")"
TRICOLOR_GCTRACE=1 "$tmp/build/examples/lisp" --size small > "$tmp/ex.txt" 2> "$tmp/ex.err" \
    || fail "examples/lisp failed: $(cat "$tmp/ex.txt" "$tmp/ex.err")"
grep -q '^pauses: ' "$tmp/ex.txt" || fail "examples/lisp printed no pause summary"
grep -q '^gc [0-9]' "$tmp/ex.err" || fail "examples/lisp with TRICOLOR_GCTRACE=1 printed no gctrace line"
grep -q '(1 3 5 7 9)' "$tmp/ex.txt" || fail "examples/lisp sorted wrong: $(cat "$tmp/ex.txt")"
"$tmp/build/examples/list_tree" nope > /dev/null 2>&1 && fail "list_tree accepted a bad argument"
status=0; "$tmp/build/examples/lisp" "$tmp/missing.lisp" > /dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "lisp on a missing file exits $status, expected 2"

# 4. DESTDIR staging: files under DESTDIR, the final prefix in the .pc.
quiet $MAKE --no-print-directory install DESTDIR="$tmp/stage" PREFIX=/usr
[ -f "$tmp/stage/usr/include/tricolor.h" ] && [ -f "$tmp/stage/usr/lib/libtricolor.so.0.2.0" ] \
    || fail "make install DESTDIR=... PREFIX=/usr did not stage under DESTDIR"
grep -qx 'prefix=/usr' "$tmp/stage/usr/lib/pkgconfig/tricolor.pc" || fail "tricolor.pc under DESTDIR does not say prefix=/usr"

# 5. Uninstall removes every file it installed.
quiet $MAKE --no-print-directory uninstall PREFIX="$prefix"
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
quiet $MAKE --no-print-directory uninstall DESTDIR="$tmp/stage" PREFIX=/usr
left=$(find "$tmp/stage" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall DESTDIR=... left: $left"
echo "test_install: install, pkg-config build outside the tree (shared and static), examples, DESTDIR, uninstall: ok"

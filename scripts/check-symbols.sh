#!/bin/sh
# check-symbols.sh LIB — fails unless every global symbol LIB defines
# starts with tc_ (the API) or tc__ (internal, shared between gc/ files).
# An embedder links libtricolor.a next to its own code: any other global
# name could collide with one of theirs.
set -eu
lib=$1
bad=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | grep -v '^tc_' | sort -u || true)
if [ -n "$bad" ]; then
    echo "check-symbols: $lib exports names without a tc_ or tc__ prefix:" >&2
    echo "$bad" | sed 's/^/  /' >&2
    echo "check-symbols: make them static, or prefix them tc__ (internal) or tc_ (API)" >&2
    exit 1
fi
echo "check-symbols: every global symbol of $lib starts with tc_ or tc__"

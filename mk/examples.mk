# mk/examples.mk — `make examples`: builds examples/ against the installed
# library, through examples/Makefile and pkg-config alone, as a user would
# (install first: make install PREFIX=DIR; then
# PKG_CONFIG_PATH=DIR/lib/pkgconfig make examples). Binaries go to
# $(BUILD)/examples/. Included by the main Makefile; relies on BUILD.

.PHONY: examples
examples:
	@command -v pkg-config >/dev/null 2>&1 || { echo "mk/examples.mk: pkg-config not found: install the Debian package pkg-config" >&2; exit 2; }
	$(MAKE) -C examples OUT=$(abspath $(BUILD))/examples

# The lisp workload includes the interpreter core from examples/: rebuild
# it when the core changes, in whichever flavour directories exist.
$(foreach f,rel dbg asan,$(foreach b,tricolor boehm,$(BUILD)/$(f)/workloads/wl_lisp.$(b).o)): examples/lisp_core.h examples/lisp_programs.h

# Tricolor — build, run, test and benchmark.
#
#   make run     install what is missing, build, run the main job
#   make test    the same build, then every test: unit tests, the stress
#                test, the stress test again under ASan+UBSan, valgrind
#   make bench   collector micro-benchmarks, one "name: value unit" a line
#
# Libraries come from Debian's packages through pkg-config; `make deps`
# (run by the targets above) installs the missing ones with apt-get.

CC      ?= cc
BUILD   := build
STD     := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT     := -O2 -g
CFLAGS  += $(STD) $(WARN) $(OPT) -fno-strict-overflow
CPPFLAGS += -Igc -Iworkloads

PKG_CFLAGS = $(shell pkg-config --cflags cmocka bdw-gc 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)
GC_CFLAGS  = $(shell pkg-config --cflags bdw-gc 2>/dev/null)
BOEHM_LIBS = $(shell pkg-config --libs bdw-gc 2>/dev/null)
SDL_CFLAGS = $(shell pkg-config --cflags sdl2 SDL2_ttf SDL2_image 2>/dev/null)
SDL_LIBS   = $(shell pkg-config --libs sdl2 SDL2_ttf SDL2_image 2>/dev/null)

GC_SRC    := $(wildcard gc/*.c)
GC_HDR    := $(wildcard gc/*.h)

# Three builds of the collector: release (-O2), debug checks (slot bounds,
# used by the tests), and ASan+UBSan.
GC_OBJ        := $(GC_SRC:%.c=$(BUILD)/rel/%.o)
GC_OBJ_DEBUG  := $(GC_SRC:%.c=$(BUILD)/dbg/%.o)
GC_OBJ_ASAN   := $(GC_SRC:%.c=$(BUILD)/asan/%.o)

DEBUG_FLAGS := -DTC_DEBUG_CHECKS -O1 -g
ASAN_FLAGS  := -DTC_DEBUG_CHECKS -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

TESTS := test_alloc test_collect test_barriers test_verify test_stress test_api test_metrics test_cli test_workloads test_plots test_viz test_pacer test_tune test_record
TEST_BIN       := $(TESTS:%=$(BUILD)/dbg/tests/%)
TEST_BIN_ASAN  := $(TESTS:%=$(BUILD)/asan/tests/%)

.PHONY: all deps run test test-unit test-asan test-valgrind bench clean demo
.DEFAULT_GOAL := all

all: $(BUILD)/libtricolor.a $(BUILD)/tricolor

deps:
	@sh scripts/install-deps.sh

# ---- the collector library ------------------------------------------------

$(BUILD)/rel/%.o: %.c $(GC_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/dbg/%.o: %.c $(GC_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) $(DEBUG_FLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c $(GC_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libtricolor.a: $(GC_OBJ)
	ar rcs $@ $^

# ---- workloads: each wl_*.c compiled once per collector --------------------

WL_SRC      := $(wildcard workloads/wl_*.c)
WL_SUPPORT  := $(filter-out $(WL_SRC),$(wildcard workloads/*.c))
WL_HDR      := $(wildcard workloads/*.h)
define wl_objs # $(1) = build flavour
$(WL_SRC:workloads/%.c=$(BUILD)/$(1)/workloads/%.tricolor.o) $(WL_SRC:workloads/%.c=$(BUILD)/$(1)/workloads/%.boehm.o) $(WL_SUPPORT:%.c=$(BUILD)/$(1)/%.o)
endef

$(BUILD)/rel/workloads/%.tricolor.o: workloads/%.c $(GC_HDR) $(WL_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DMUT_BACKEND_TRICOLOR -c $< -o $@
$(BUILD)/rel/workloads/%.boehm.o: workloads/%.c $(GC_HDR) $(WL_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(GC_CFLAGS) -DMUT_BACKEND_BOEHM -c $< -o $@
$(BUILD)/dbg/workloads/%.tricolor.o: workloads/%.c $(GC_HDR) $(WL_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) $(DEBUG_FLAGS) -DMUT_BACKEND_TRICOLOR -c $< -o $@
$(BUILD)/dbg/workloads/%.boehm.o: workloads/%.c $(GC_HDR) $(WL_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) $(DEBUG_FLAGS) $(GC_CFLAGS) -DMUT_BACKEND_BOEHM -c $< -o $@
$(BUILD)/asan/workloads/%.tricolor.o: workloads/%.c $(GC_HDR) $(WL_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) $(ASAN_FLAGS) -DMUT_BACKEND_TRICOLOR -c $< -o $@
$(BUILD)/asan/workloads/%.boehm.o: workloads/%.c $(GC_HDR) $(WL_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) $(ASAN_FLAGS) $(GC_CFLAGS) -DMUT_BACKEND_BOEHM -c $< -o $@

# ---- the tricolor binary ----------------------------------------------------

# viz/ is the only part that sees SDL: gc/ builds with libc alone.
APP_SRC := $(wildcard viz/*.c)
APP_HDR := $(wildcard viz/*.h)
$(BUILD)/rel/viz/%.o: viz/%.c $(GC_HDR) $(WL_HDR) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviz $(CFLAGS) $(SDL_CFLAGS) $(GC_CFLAGS) -c $< -o $@
$(BUILD)/dbg/viz/%.o: viz/%.c $(GC_HDR) $(WL_HDR) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviz $(STD) $(WARN) $(DEBUG_FLAGS) $(SDL_CFLAGS) $(GC_CFLAGS) -c $< -o $@
$(BUILD)/asan/viz/%.o: viz/%.c $(GC_HDR) $(WL_HDR) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviz $(STD) $(WARN) $(ASAN_FLAGS) $(SDL_CFLAGS) $(GC_CFLAGS) -c $< -o $@

$(BUILD)/tricolor: $(APP_SRC:%.c=$(BUILD)/rel/%.o) $(call wl_objs,rel) $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $^ $(BOEHM_LIBS) $(SDL_LIBS) -lpthread -lm -o $@

# The window when there is a display; otherwise the same comparison in the
# terminal, and how to get the window.
run: deps all
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	    ./$(BUILD)/tricolor view --workload demo; \
	else \
	    echo "make run: no display (DISPLAY and WAYLAND_DISPLAY are unset): running the comparison in the terminal."; \
	    echo "make run: for the window, run this on a desktop, or: xvfb-run -a build/tricolor view --frames 600 --screenshot view.png"; \
	    ./$(BUILD)/tricolor bench --workload gcbench --collector tricolor,boehm; \
	fi

# ---- tests -----------------------------------------------------------------

# Every test links the collector, the workloads (both backends), the drawing
# parts of viz/ (no window) and support.
VIZ_TESTED := text plots heapmap graph pareto
$(BUILD)/dbg/tests/%.o: tests/%.c $(GC_HDR) $(WL_HDR) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviz $(STD) $(WARN) $(DEBUG_FLAGS) $(PKG_CFLAGS) $(SDL_CFLAGS) -c $< -o $@
$(BUILD)/asan/tests/%.o: tests/%.c $(GC_HDR) $(WL_HDR) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviz $(STD) $(WARN) $(ASAN_FLAGS) $(PKG_CFLAGS) $(SDL_CFLAGS) -c $< -o $@
$(BUILD)/dbg/tests/%: $(BUILD)/dbg/tests/%.o $(BUILD)/dbg/tests/support.o $(GC_OBJ_DEBUG) $(call wl_objs,dbg) $(VIZ_TESTED:%=$(BUILD)/dbg/viz/%.o)
	$(CC) $(DEBUG_FLAGS) $^ $(CMOCKA_LIBS) $(BOEHM_LIBS) $(SDL_LIBS) -lm -o $@

$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/%.o $(BUILD)/asan/tests/support.o $(GC_OBJ_ASAN) $(call wl_objs,asan) $(VIZ_TESTED:%=$(BUILD)/asan/viz/%.o)
	$(CC) $(ASAN_FLAGS) $^ $(CMOCKA_LIBS) $(BOEHM_LIBS) $(SDL_LIBS) -lm -o $@

.SECONDARY:

-include mk/*.mk

test: deps all test-unit test-asan test-valgrind $(EXTRA_TEST_TARGETS)
	@echo "make test: all suites passed"

test-unit: $(TEST_BIN) $(BUILD)/tricolor
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $$t; done

test-asan: $(TEST_BIN_ASAN) $(BUILD)/tricolor
	@set -e; for t in $(TEST_BIN_ASAN); do echo "== $$t (ASan+UBSan)"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

# Valgrind over the unit tests (the stress test runs a reduced round count).
test-valgrind: $(TEST_BIN) $(BUILD)/tricolor
	@set -e; for t in $(TEST_BIN); do echo "== $$t (valgrind)"; \
	  TRICOLOR_STRESS_SCALE=0.05 valgrind -q --error-exitcode=99 --leak-check=full --suppressions=tests/valgrind.supp \
	    --errors-for-leak-kinds=definite $$t; done

# ---- benchmarks -------------------------------------------------------------

# The collector built a second time with its observation hooks compiled
# out, to show what they cost when no viewer is attached.
GC_OBJ_NOOBS := $(GC_SRC:%.c=$(BUILD)/noobs/%.o)
$(BUILD)/noobs/%.o: %.c $(GC_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DTC_NO_OBSERVE -c $< -o $@

$(BUILD)/microbench: $(BUILD)/rel/bench/microbench.o $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $^ -o $@

$(BUILD)/microbench-noobs: $(BUILD)/rel/bench/microbench.o $(GC_OBJ_NOOBS)
	$(CC) $(CFLAGS) $^ -o $@

$(BUILD)/rel/bench/framebench.o: bench/framebench.c $(GC_HDR) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iviz $(CFLAGS) $(SDL_CFLAGS) -c $< -o $@

$(BUILD)/framebench: $(BUILD)/rel/bench/framebench.o $(BUILD)/rel/viz/heapmap.o $(BUILD)/rel/viz/graph.o $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $^ $(SDL_LIBS) -lm -o $@

bench: deps $(BUILD)/microbench $(BUILD)/microbench-noobs $(BUILD)/framebench
	@./$(BUILD)/microbench
	@sh scripts/observe-overhead.sh ./$(BUILD)/microbench ./$(BUILD)/microbench-noobs
	@./$(BUILD)/framebench

clean:
	rm -rf $(BUILD)

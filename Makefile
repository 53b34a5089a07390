# Tricolor — build, run, test and benchmark.
#
#   make run     install what is missing, build, run the main job
#   make test    the same build, then every test: unit tests, the stress
#                test, ASan+UBSan, ThreadSanitizer, valgrind, static
#                analysis of gc/, and the library's symbol names
#   make bench   collector micro-benchmarks, one "name: value unit" a line
#
# Libraries come from Debian's packages through pkg-config; `make deps`
# (run by the targets above) installs the missing ones with apt-get.
#
# Every source file is compiled once per build flavour (rel, dbg, asan,
# tsan, noobs) into build/FLAVOUR/DIR/NAME.o by rules generated below from
# one template, with -MMD -MP so that a header change rebuilds exactly what
# includes it. Dependencies point one way: app -> viz -> workloads -> gc.
# viz/ is compiled without -Iapp, so an app/ header included from viz/
# does not build.

CC      ?= cc
BUILD   := build
STD     := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Extra warnings for the collector's own files only (gc/*.c).
GC_WARN ?= -Wconversion -Wformat=2
OPT     := -O2 -g
CFLAGS  += $(OPT) -fno-strict-overflow
# Every symbol bound at load: bound lazily, the first call of a libc
# function from the collector (memcpy in the first termination handshake)
# ran the dynamic linker inside that pause (docs/design.md section 10).
LDFLAGS += -Wl,-z,now
CPPFLAGS += -Igc -Iworkloads

PKG_CFLAGS  = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)
GC_CFLAGS   = $(shell pkg-config --cflags bdw-gc 2>/dev/null)
BOEHM_LIBS  = $(shell pkg-config --libs bdw-gc 2>/dev/null)
SDL_CFLAGS  = $(shell pkg-config --cflags sdl2 SDL2_ttf SDL2_image 2>/dev/null)
SDL_LIBS    = $(shell pkg-config --libs sdl2 SDL2_ttf SDL2_image 2>/dev/null)

# ---- build flavours ---------------------------------------------------------

# rel: the program and the library. dbg: the tests, with slot-bound checks.
# asan: ASan+UBSan. tsan: ThreadSanitizer. noobs: the collector with its
# observation hooks compiled out (make bench compares the two).
FLAVOURS     := rel dbg asan tsan noobs
FLAGS_rel    := $(CFLAGS)
FLAGS_dbg    := -DTC_DEBUG_CHECKS -O1 -g
FLAGS_asan   := -DTC_DEBUG_CHECKS -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
FLAGS_tsan   := -DTC_DEBUG_CHECKS -O1 -g -fsanitize=thread
FLAGS_noobs  := $(CFLAGS) -DTC_NO_OBSERVE

# What each directory adds to the compile line.
DIRFLAGS_gc        = $(GC_WARN)
DIRFLAGS_workloads = $(GC_CFLAGS)
DIRFLAGS_viz       = -Iviz $(SDL_CFLAGS) $(GC_CFLAGS)
DIRFLAGS_app       = -Iviz -Iapp $(SDL_CFLAGS) $(GC_CFLAGS)
DIRFLAGS_tests     = -Iviz -Iapp $(PKG_CFLAGS) $(SDL_CFLAGS)
DIRFLAGS_bench     = -Iviz $(SDL_CFLAGS)

# $(call compile,FLAVOUR,DIR,EXTRA): the command for one object.
compile = $(CC) $(CPPFLAGS) $(STD) $(WARN) $(FLAGS_$(1)) $(DIRFLAGS_$(2)) $(3) -MMD -MP -c $$< -o $$@

# $(call obj_rule,FLAVOUR,DIR,SUFFIX,EXTRA): DIR/NAME.c -> build/FLAVOUR/DIR/NAME SUFFIX.o
define obj_rule
$(BUILD)/$(1)/$(2)/%$(3).o: $(2)/%.c
	@mkdir -p $$(@D)
	$(call compile,$(1),$(2),$(4))
endef
SRC_DIRS := gc workloads viz app tests bench
$(foreach f,$(FLAVOURS),$(foreach d,$(SRC_DIRS),$(eval $(call obj_rule,$(f),$(d)))))
# Each workload once per collector.
$(foreach f,$(FLAVOURS),$(eval $(call obj_rule,$(f),workloads,.tricolor,-DMUT_BACKEND_TRICOLOR)))
$(foreach f,$(FLAVOURS),$(eval $(call obj_rule,$(f),workloads,.boehm,-DMUT_BACKEND_BOEHM)))


-include $(wildcard $(BUILD)/*/*/*.d)

# ---- what goes into what ----------------------------------------------------

GC_SRC     := $(wildcard gc/*.c)
WL_SRC     := $(wildcard workloads/wl_*.c)
WL_SUPPORT := $(filter-out $(WL_SRC),$(wildcard workloads/*.c))
VIZ_SRC    := $(wildcard viz/*.c)
APP_SRC    := $(wildcard app/*.c)

# The guided tour is docs/tour.script, built in as a C string (the file
# people copy and edit is the one the program plays).
$(BUILD)/gen/tour_script.c: docs/tour.script
	@mkdir -p $(@D)
	@{ echo '/* Generated from docs/tour.script by the Makefile: edit that file. */'; \
	  echo 'extern const char tour_script[];'; echo 'const char tour_script[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; echo '    ;'; } > $@
define gen_rule
$(BUILD)/$(1)/gen/tour_script.o: $(BUILD)/gen/tour_script.c
	@mkdir -p $$(@D)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) $(FLAGS_$(1)) -c $$< -o $$@
endef
$(foreach f,$(FLAVOURS),$(eval $(call gen_rule,$(f))))

# $(call *_objs,FLAVOUR)
gc_objs  = $(GC_SRC:%.c=$(BUILD)/$(1)/%.o)
wl_objs  = $(WL_SRC:%.c=$(BUILD)/$(1)/%.tricolor.o) $(WL_SRC:%.c=$(BUILD)/$(1)/%.boehm.o) $(WL_SUPPORT:%.c=$(BUILD)/$(1)/%.o)
viz_objs = $(VIZ_SRC:%.c=$(BUILD)/$(1)/%.o)
# app/ without main, for the tests that call into the program's parts.
app_objs = $(filter-out $(BUILD)/$(1)/app/main.o,$(APP_SRC:%.c=$(BUILD)/$(1)/%.o)) $(BUILD)/$(1)/gen/tour_script.o

.PHONY: all deps run test test-unit test-x test-asan test-tsan test-valgrind test-symbols analyze format-check bench clean
.DEFAULT_GOAL := all

all: $(BUILD)/libtricolor.a $(BUILD)/tricolor

deps:
	@sh scripts/install-deps.sh

$(BUILD)/libtricolor.a: $(call gc_objs,rel)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tricolor: $(APP_SRC:%.c=$(BUILD)/rel/%.o) $(BUILD)/rel/gen/tour_script.o $(call viz_objs,rel) $(call wl_objs,rel) $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(BOEHM_LIBS) $(SDL_LIBS) -lpthread -lm -o $@

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

# Every tests/test_*.c is a test. The collector's own tests link the
# collector, support and cmocka only (no SDL, no Boehm): gc/ must stand on
# libc. The others link the whole program but its main.
TESTS     := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
GC_TESTS  := $(filter test_alloc test_clock test_collect test_barriers test_verify test_stress test_api test_pacer test_mem% test_concurrent,$(TESTS))
APP_TESTS := $(filter-out $(GC_TESTS),$(TESTS))
# Tests whose threads ThreadSanitizer checks: the collector's clock (read
# by two threads while it switches to the TSC), its memory thread (its
# own tests, and the shadow-model stress test with the thread on), the
# live view's hand-off and the Boehm feed's reader.
TSAN_TESTS := $(filter test_clock test_mem test_stress test_live test_concurrent,$(TESTS))

define test_links
$(GC_TESTS:%=$(BUILD)/$(1)/tests/%): $(BUILD)/$(1)/tests/%: $(BUILD)/$(1)/tests/%.o $(BUILD)/$(1)/tests/support.o $(call gc_objs,$(1))
	$(CC) $(FLAGS_$(1)) $$^ $(CMOCKA_LIBS) -lpthread -lm -o $$@
$(APP_TESTS:%=$(BUILD)/$(1)/tests/%): $(BUILD)/$(1)/tests/%: $(BUILD)/$(1)/tests/%.o $(BUILD)/$(1)/tests/support.o $(call app_objs,$(1)) $(call viz_objs,$(1)) $(call wl_objs,$(1)) $(call gc_objs,$(1))
	$(CC) $(FLAGS_$(1)) $$^ $(CMOCKA_LIBS) $(BOEHM_LIBS) $(SDL_LIBS) -lpthread -lm -o $$@
endef
$(foreach f,dbg asan tsan rel,$(eval $(call test_links,$(f))))

# The concurrent mode's tests also run against the release objects (-O2):
# some of what they check is what the optimizer may change. GCC turned the
# barrier buffer's malloc and memset into calloc at -O2 only, and the
# buffer went unfaulted where -O1 faulted it (test_barrier_buffer_is_faulted_in).
TEST_BIN_REL  := $(BUILD)/rel/tests/test_concurrent
TEST_BIN      := $(TESTS:%=$(BUILD)/dbg/tests/%)
TEST_BIN_ASAN := $(TESTS:%=$(BUILD)/asan/tests/%)
TEST_BIN_TSAN := $(TSAN_TESTS:%=$(BUILD)/tsan/tests/%)

.SECONDARY:

# Fragments in mk/ may add targets to EXTRA_TEST_TARGETS.
EXTRA_TEST_TARGETS ?=
-include $(wildcard mk/*.mk)

test: deps all format-check test-unit test-x test-asan test-tsan test-valgrind analyze test-symbols $(EXTRA_TEST_TARGETS)
	@echo "make test: all suites passed"

test-unit: $(TEST_BIN) $(TEST_BIN_REL) $(BUILD)/tricolor
	@set -e; for t in $(TEST_BIN) $(TEST_BIN_REL); do echo "== $$t"; $$t; done

# The window under Xvfb: a real click (xdotool) opens a summary box of the
# graph, and `tricolor view` keeps its threads off the measured CPU. Not
# under valgrind or the sanitizers: an X server and SDL's video are not ours
# to check, and the graph code is covered by test_viz there.
$(BUILD)/dbg/tests/x_window: $(BUILD)/dbg/tests/x_window.o $(BUILD)/dbg/tests/support.o $(call viz_objs,dbg) $(call wl_objs,dbg) $(call gc_objs,dbg)
	$(CC) $(FLAGS_dbg) $^ $(CMOCKA_LIBS) $(BOEHM_LIBS) $(SDL_LIBS) -lpthread -lm -o $@

test-x: $(BUILD)/dbg/tests/x_window $(BUILD)/tricolor
	@echo "== $<"; $<

test-asan: $(TEST_BIN_ASAN) $(BUILD)/tricolor
	@set -e; for t in $(TEST_BIN_ASAN); do echo "== $$t (ASan+UBSan)"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $$t; done

# setarch -R: without it, ThreadSanitizer's fixed shadow layout can clash
# with the high address-space randomization of recent kernels, and the
# test dies before main ("unexpected memory mapping").
test-tsan: $(TEST_BIN_TSAN) $(BUILD)/tricolor
	@set -e; for t in $(TEST_BIN_TSAN); do echo "== $$t (ThreadSanitizer)"; \
	  TRICOLOR_STRESS_SCALE=0.1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 setarch $$(uname -m) -R $$t; done

# Valgrind over the unit tests (the stress test runs a reduced round count).
# --fair-sched=yes: valgrind runs one thread at a time, and its default
# lock lets a thread that never blocks in a system call take the lock
# back at once, forever. The mutator makes no blocking call in steady
# state (by design: the memory thread maps for it), so without a fair lock
# the marker and memory threads never ran again and test_concurrent's
# marker did no work (0 units, 2 minutes, in 2 runs of 3).
test-valgrind: $(TEST_BIN) $(BUILD)/tricolor
	@set -e; for t in $(TEST_BIN); do echo "== $$t (valgrind)"; \
	  TRICOLOR_STRESS_SCALE=0.05 valgrind -q --fair-sched=yes --error-exitcode=99 --leak-check=full --suppressions=tests/valgrind.supp \
	    --errors-for-leak-kinds=definite $$t; done

# The library exports only tc_ and tc__ names: an embedder links it next
# to its own code, so any other global name could collide with theirs.
test-symbols: $(BUILD)/libtricolor.a
	@sh scripts/check-symbols.sh $(BUILD)/libtricolor.a

# Every C file follows the tree's .clang-format (clang-format from
# Debian's package); `clang-format -i FILE` fixes one.
FORMAT_SRC := $(wildcard gc/*.[ch] workloads/*.[ch] viz/*.[ch] app/*.[ch] bench/*.c tests/*.[ch] tests/fuzz/*.c tests/soak/*.c examples/*.[ch])
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRC) 2>&1 | head -20; \
	  clang-format --dry-run --Werror $(FORMAT_SRC) >/dev/null 2>&1 || { echo "format-check: run clang-format -i on the files above" >&2; exit 1; }
	@echo "format-check: every C file follows .clang-format"

# gcc's static analyzer over the collector; any warning fails. At -O0:
# with -O1, gcc 12's analyzer did not see a plain double free.
ANALYZE_OBJ := $(GC_SRC:%.c=$(BUILD)/analyze/%.ok)
$(BUILD)/analyze/%.ok: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(STD) $(WARN) -O0 -fanalyzer -MMD -MP -MT $@ -MF $(@:.ok=.d) -c $< -o /dev/null
	@touch $@
analyze: $(ANALYZE_OBJ)

# ---- benchmarks -------------------------------------------------------------

$(BUILD)/microbench: $(BUILD)/rel/bench/microbench.o $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $^ -lpthread -lm -o $@

$(BUILD)/microbench-noobs: $(BUILD)/rel/bench/microbench.o $(call gc_objs,noobs)
	$(CC) $(CFLAGS) $^ -lpthread -lm -o $@

$(BUILD)/framebench: $(BUILD)/rel/bench/framebench.o $(call viz_objs,rel) $(call wl_objs,rel) $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $^ $(BOEHM_LIBS) $(SDL_LIBS) -lpthread -lm -o $@

# What memory system calls and page faults cost on this machine, so that
# the figures below (and bench's) can be read against it.
$(BUILD)/osprobe: $(BUILD)/rel/bench/osprobe.o $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $^ -lpthread -o $@

# What taking turns between CPUs costs the CPU that resumes (the window's
# and the videos' turns, docs/design.md section 8).
$(BUILD)/cpuprobe: $(BUILD)/rel/bench/cpuprobe.o $(BUILD)/rel/workloads/cache_gap.o
	$(CC) $(CFLAGS) $^ -lpthread -o $@

bench: deps $(BUILD)/microbench $(BUILD)/microbench-noobs $(BUILD)/framebench $(BUILD)/osprobe $(BUILD)/cpuprobe
	@./$(BUILD)/osprobe
	@./$(BUILD)/cpuprobe
	@./$(BUILD)/microbench
	@sh scripts/observe-overhead.sh ./$(BUILD)/microbench ./$(BUILD)/microbench-noobs
	@./$(BUILD)/framebench

clean:
	rm -rf $(BUILD)

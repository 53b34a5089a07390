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

PKG_CFLAGS = $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

GC_SRC    := $(wildcard gc/*.c)
GC_HDR    := $(wildcard gc/*.h)

# Three builds of the collector: release (-O2), debug checks (slot bounds,
# used by the tests), and ASan+UBSan.
GC_OBJ        := $(GC_SRC:%.c=$(BUILD)/rel/%.o)
GC_OBJ_DEBUG  := $(GC_SRC:%.c=$(BUILD)/dbg/%.o)
GC_OBJ_ASAN   := $(GC_SRC:%.c=$(BUILD)/asan/%.o)

DEBUG_FLAGS := -DTC_DEBUG_CHECKS -O1 -g
ASAN_FLAGS  := -DTC_DEBUG_CHECKS -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

TESTS := test_alloc test_collect test_barriers test_verify test_stress test_api
TEST_BIN       := $(TESTS:%=$(BUILD)/dbg/tests/%)
TEST_BIN_ASAN  := $(TESTS:%=$(BUILD)/asan/tests/%)

.PHONY: all deps run test test-unit test-asan test-valgrind bench clean demo
.DEFAULT_GOAL := all

all: $(BUILD)/libtricolor.a

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

# ---- the demo (until the visualizer lands) -------------------------------

$(BUILD)/tricolor-demo: $(BUILD)/rel/workloads/demo_main.o $(BUILD)/libtricolor.a
	$(CC) $(CFLAGS) $^ -o $@

run: deps all
	./$(BUILD)/tricolor-demo

# ---- tests -----------------------------------------------------------------

$(BUILD)/dbg/tests/%: $(BUILD)/dbg/tests/%.o $(BUILD)/dbg/tests/support.o $(GC_OBJ_DEBUG)
	$(CC) $(DEBUG_FLAGS) $^ $(CMOCKA_LIBS) -o $@

$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/%.o $(BUILD)/asan/tests/support.o $(GC_OBJ_ASAN)
	$(CC) $(ASAN_FLAGS) $^ $(CMOCKA_LIBS) -o $@

.SECONDARY:

test: deps all test-unit test-asan test-valgrind
	@echo "make test: all suites passed"

test-unit: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $$t; done

test-asan: $(TEST_BIN_ASAN)
	@set -e; for t in $(TEST_BIN_ASAN); do echo "== $$t (ASan+UBSan)"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

# Valgrind over the unit tests (the stress test runs a reduced round count).
test-valgrind: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t (valgrind)"; \
	  TRICOLOR_STRESS_SCALE=0.05 valgrind -q --error-exitcode=99 --leak-check=full \
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

bench: deps $(BUILD)/microbench $(BUILD)/microbench-noobs
	@./$(BUILD)/microbench
	@sh scripts/observe-overhead.sh ./$(BUILD)/microbench ./$(BUILD)/microbench-noobs

clean:
	rm -rf $(BUILD)

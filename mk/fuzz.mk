# mk/fuzz.mk — the libFuzzer harnesses (tests/fuzz/): fuzz_api over the
# collector's public API, fuzz_parsers over the program's knob values and
# record scripts.
#
#   make fuzz SECONDS=N     a long campaign of each harness in turn, N s
#                           each: new inputs kept in build/fuzz/corpus and
#                           build/fuzz/parsers-corpus, crashes in
#                           build/fuzz/crashes
#   make fuzz-campaign      the short ones inside `make test`: fuzz_api for
#                           FUZZ_TEST_SECONDS (default 20 s) from the
#                           committed corpus's smallest seeds, after
#                           replaying every regression input and checking
#                           the known bugs; then fuzz_parsers for
#                           FUZZ_PARSERS_TEST_SECONDS (default 8 s) from
#                           its whole corpus, after its regression inputs
#
# Included by the main Makefile (-include mk/*.mk); relies only on BUILD
# and GC_SRC from it. The harness and the whole collector are compiled by
# clang with libFuzzer, ASan and UBSan, without recovery, so any undefined
# behaviour in gc/ stops the run with the input that caused it.

FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -DTC_DEBUG_CHECKS -O1 -g \
                -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_GC_OBJ  := $(GC_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_BIN     := $(FUZZ_DIR)/fuzz_api
FUZZ_CORPUS  := tests/fuzz/corpus
FUZZ_REGRESS := tests/fuzz/regress
FUZZ_OPTS    := -max_len=4096 -timeout=20 -rss_limit_mb=3072 -print_final_stats=1
FUZZ_TEST_SECONDS ?= 20
FUZZ_PARSERS_TEST_SECONDS ?= 8
# The short campaign starts from the smallest seeds only: loading all of
# the committed corpus (about a thousand inputs) would take most of it.
FUZZ_TEST_SEEDS ?= 250
# Some inputs depend on the clock (budgets in microseconds): run each known
# one this many times.
FUZZ_KNOWN_RUNS ?= 30
SECONDS      ?= 600

# clang and libFuzzer come from Debian's clang and libclang-rt-*-dev
# packages; say so instead of failing inside a compiler error.
$(FUZZ_DIR)/.tools-ok:
	@mkdir -p $(dir $@)
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "mk/fuzz.mk: $(FUZZ_CC) not found: install the Debian package clang (apt-get install clang)" >&2; exit 2; }
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > $(FUZZ_DIR)/probe.c
	@$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $(FUZZ_DIR)/probe.c -o $(FUZZ_DIR)/probe 2>/dev/null || { \
	    echo "mk/fuzz.mk: $(FUZZ_CC) cannot link libFuzzer (-fsanitize=fuzzer): install the Debian package libclang-rt-14-dev (or the clang package's libclang-rt-*-dev)" >&2; exit 2; }
	@touch $@

# Known gc/ bugs the campaign must step over to find others go here, each
# with its input in tests/fuzz/known/ (see the README there) and an
# exemption for the campaign's build, e.g.
#   FUZZ_KNOWN_EXEMPT_pacer := -fno-sanitize=float-cast-overflow
# fuzz_api_strict has none, and fuzz-known reports every known input that
# still fails on it. None is known today: the two found so far (the
# large-object scan end that wrapped, and a heap_limit below the held
# heap) are fixed, their inputs in tests/fuzz/regress/.
$(FUZZ_DIR)/gc/%.o: gc/%.c $(wildcard gc/*.h) $(FUZZ_DIR)/.tools-ok mk/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_KNOWN_EXEMPT_$*) -fsanitize=fuzzer-no-link -Igc -c $< -o $@
$(FUZZ_DIR)/strict/gc/%.o: gc/%.c $(wildcard gc/*.h) $(FUZZ_DIR)/.tools-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Igc -c $< -o $@

$(FUZZ_BIN): tests/fuzz/fuzz_api.c $(FUZZ_GC_OBJ) $(FUZZ_DIR)/.tools-ok
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Igc tests/fuzz/fuzz_api.c $(FUZZ_GC_OBJ) -lpthread -lm -o $@
$(FUZZ_BIN)_strict: tests/fuzz/fuzz_api.c $(GC_SRC:%.c=$(FUZZ_DIR)/strict/%.o) $(FUZZ_DIR)/.tools-ok
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Igc tests/fuzz/fuzz_api.c $(GC_SRC:%.c=$(FUZZ_DIR)/strict/%.o) -lpthread -lm -o $@

# fuzz_parsers: app/'s parsers (values.c, knobs.c, script.c, and cli.c for
# cli_msg) and the workload table (registry.c, for script's workload
# names), instrumented; the workloads' entry points that the table names
# are linked from the release build, since no parser runs them.
FUZZ_P_BIN     := $(FUZZ_DIR)/fuzz_parsers
FUZZ_P_SRC     := app/values.c app/knobs.c app/script.c app/cli.c workloads/registry.c
FUZZ_P_OBJ     := $(FUZZ_P_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_P_CORPUS  := tests/fuzz/parsers-corpus
FUZZ_P_REGRESS := tests/fuzz/parsers-regress
# A unit takes microseconds; the timeout is long only to ride out a
# starved process: on this loaded machine, a niced campaign twice sat
# 14-33 s in ASan's free() on inputs that run in under a millisecond alone.
FUZZ_P_OPTS    := -max_len=2048 -timeout=60 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_P_LINK    := $(filter-out $(BUILD)/rel/workloads/registry.o,$(call wl_objs,rel))
$(FUZZ_DIR)/app/%.o: app/%.c $(wildcard app/*.h gc/tricolor.h workloads/*.h) $(FUZZ_DIR)/.tools-ok mk/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Igc -Iworkloads -Iapp -c $< -o $@
$(FUZZ_DIR)/workloads/%.o: workloads/%.c $(wildcard workloads/*.h) $(FUZZ_DIR)/.tools-ok mk/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Igc -Iworkloads -c $< -o $@
$(FUZZ_P_BIN): tests/fuzz/fuzz_parsers.c $(FUZZ_P_OBJ) $(FUZZ_P_LINK) $(FUZZ_GC_OBJ) $(FUZZ_DIR)/.tools-ok
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Igc -Iworkloads -Iapp tests/fuzz/fuzz_parsers.c $(FUZZ_P_OBJ) \
	    $(FUZZ_P_LINK) $(FUZZ_GC_OBJ) $(BOEHM_LIBS) -lpthread -lm -o $@

FUZZ_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1

.PHONY: fuzz fuzz-campaign fuzz-regress fuzz-known fuzz-parsers-campaign
# Known, unfixed gc/ bugs: each input must still fail on the strict build
# (else the bug is fixed and its input belongs in regress/). Loud, but not
# a test failure, since gc/ is fixed elsewhere; FUZZ_KNOWN_STRICT=1 makes
# an unfixed one fail.
fuzz-known: $(FUZZ_BIN)_strict
	@for f in $(filter-out %.md,$(wildcard tests/fuzz/known/*)); do \
	  if $(FUZZ_ENV) $(FUZZ_BIN)_strict -runs=$(FUZZ_KNOWN_RUNS) $$f > $(FUZZ_DIR)/known.log 2>&1; then \
	    echo "fuzz-known: $$f passes $(FUZZ_KNOWN_RUNS) runs now: its gc/ bug is fixed; move it to $(FUZZ_REGRESS)/ and drop its exemption in mk/fuzz.mk"; \
	  else \
	    echo "fuzz-known: KNOWN gc/ BUG still present: $$f: $$(grep -m1 -E 'runtime error|ERROR|fuzz_api:' $(FUZZ_DIR)/known.log)"; \
	    [ -z "$(FUZZ_KNOWN_STRICT)" ] || exit 1; \
	  fi; done

# Every input that once found a bug runs once: each must now pass.
fuzz-regress: $(FUZZ_BIN) $(FUZZ_P_BIN)
	@echo "== fuzz regression inputs ($(FUZZ_REGRESS))"
	@set -- $(filter-out %.md,$(wildcard $(FUZZ_REGRESS)/*)); [ $$# -eq 0 ] || \
	  $(FUZZ_ENV) $(FUZZ_BIN) "$$@" > $(FUZZ_DIR)/regress.log 2>&1 || { cat $(FUZZ_DIR)/regress.log; exit 1; }
	@echo "== fuzz regression inputs ($(FUZZ_P_REGRESS))"
	@set -- $(filter-out %.md,$(wildcard $(FUZZ_P_REGRESS)/*)); [ $$# -eq 0 ] || \
	  $(FUZZ_ENV) $(FUZZ_P_BIN) "$$@" > $(FUZZ_DIR)/parsers-regress.log 2>&1 || { cat $(FUZZ_DIR)/parsers-regress.log; exit 1; }

fuzz-campaign: $(FUZZ_BIN) $(FUZZ_P_BIN) fuzz-regress fuzz-known
	@echo "== fuzz campaign: $(FUZZ_TEST_SECONDS) s over the committed corpus"
	@rm -rf $(FUZZ_DIR)/test-corpus && mkdir -p $(FUZZ_DIR)/test-corpus $(FUZZ_DIR)/crashes
	@cp $$(ls -S -r $(FUZZ_CORPUS)/* | head -$(FUZZ_TEST_SEEDS)) $(FUZZ_DIR)/test-corpus/
	@$(FUZZ_ENV) $(FUZZ_BIN) $(FUZZ_OPTS) -max_total_time=$(FUZZ_TEST_SECONDS) -artifact_prefix=$(FUZZ_DIR)/crashes/ \
	    $(FUZZ_DIR)/test-corpus > $(FUZZ_DIR)/campaign.log 2>&1 || { tail -60 $(FUZZ_DIR)/campaign.log; exit 1; }
	@grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/campaign.log | sed 's/^stat::number_of_executed_units: */fuzz campaign: fuzz_api execs: /'
	@echo "== fuzz campaign: $(FUZZ_PARSERS_TEST_SECONDS) s of fuzz_parsers over its committed corpus"
	@rm -rf $(FUZZ_DIR)/test-parsers-corpus && mkdir -p $(FUZZ_DIR)/test-parsers-corpus
	@cp $(FUZZ_P_CORPUS)/* $(FUZZ_DIR)/test-parsers-corpus/
	@$(FUZZ_ENV) $(FUZZ_P_BIN) $(FUZZ_P_OPTS) -max_total_time=$(FUZZ_PARSERS_TEST_SECONDS) -artifact_prefix=$(FUZZ_DIR)/crashes/ \
	    $(FUZZ_DIR)/test-parsers-corpus > $(FUZZ_DIR)/parsers-campaign.log 2>&1 || { tail -60 $(FUZZ_DIR)/parsers-campaign.log; exit 1; }
	@grep -E '^stat::number_of_executed_units' $(FUZZ_DIR)/parsers-campaign.log | sed 's/^stat::number_of_executed_units: */fuzz campaign: fuzz_parsers execs: /'

# One harness after the other, never both at once: the machine is shared.
fuzz: $(FUZZ_BIN) $(FUZZ_P_BIN)
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/parsers-corpus $(FUZZ_DIR)/crashes
	$(FUZZ_ENV) nice $(FUZZ_BIN) $(FUZZ_OPTS) -max_total_time=$(SECONDS) -artifact_prefix=$(FUZZ_DIR)/crashes/ \
	    $(FUZZ_DIR)/corpus $(FUZZ_CORPUS)
	$(FUZZ_ENV) nice $(FUZZ_P_BIN) $(FUZZ_P_OPTS) -max_total_time=$(SECONDS) -artifact_prefix=$(FUZZ_DIR)/crashes/ \
	    $(FUZZ_DIR)/parsers-corpus $(FUZZ_P_CORPUS)

EXTRA_TEST_TARGETS += fuzz-campaign

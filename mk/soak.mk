# mk/soak.mk — the soak test (tests/soak/soak.c): every workload in one
# heap, knobs switched at random, the verifier every Nth increment, RSS
# sampled each second.
#
#   make soak MINUTES=10    the long run (default 10 minutes), under nice
#   make soak-short         10 s of it, inside `make test`
#
# The workloads are compiled for Tricolor only, into $(BUILD)/soak/, with
# this fragment's own flags. Included by the main Makefile; relies on
# BUILD, CC and $(BUILD)/libtricolor.a.

SOAK_DIR    := $(BUILD)/soak
SOAK_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
               -O2 -g -fno-strict-overflow -Igc -Iworkloads
SOAK_WL     := $(wildcard workloads/wl_*.c)
SOAK_OBJ    := $(SOAK_WL:workloads/%.c=$(SOAK_DIR)/%.o) $(SOAK_DIR)/oplog.o $(SOAK_DIR)/soak.o
SOAK_HDR    := $(wildcard gc/*.h workloads/*.h examples/*.h)
MINUTES     ?= 10
SOAK_VERIFY_EVERY ?= 64
# all: also switch to budgets in µs and pause targets; work: budgets in
# work units only. `make test` runs the short soak with work.
SOAK_KNOBS  ?= all

$(SOAK_DIR)/%.o: workloads/%.c $(SOAK_HDR) mk/soak.mk
	@mkdir -p $(dir $@)
	$(CC) $(SOAK_CFLAGS) -DMUT_BACKEND_TRICOLOR -c $< -o $@
$(SOAK_DIR)/soak.o: tests/soak/soak.c $(SOAK_HDR) mk/soak.mk
	@mkdir -p $(dir $@)
	$(CC) $(SOAK_CFLAGS) -DMUT_BACKEND_TRICOLOR -c $< -o $@
$(SOAK_DIR)/soak: $(SOAK_OBJ) $(BUILD)/libtricolor.a
	$(CC) $(SOAK_OBJ) $(BUILD)/libtricolor.a -lpthread -lm -o $@

.PHONY: soak soak-short
soak: $(SOAK_DIR)/soak
	nice $(SOAK_DIR)/soak --seconds $$(( $(MINUTES) * 60 )) --verify-every $(SOAK_VERIFY_EVERY) --knobs $(SOAK_KNOBS)

soak-short: $(SOAK_DIR)/soak
	@echo "== soak, 10 s"
	@$(SOAK_DIR)/soak --seconds 10 --verify-every 16 --switch-every 50 --knobs work

EXTRA_TEST_TARGETS += soak-short

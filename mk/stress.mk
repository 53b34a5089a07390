# mk/stress.mk — a long campaign of the shadow-model stress test
# (tests/test_stress.c) over many seeds, counting the random operations it
# checked (scripts/stress-campaign.sh).
#
#   make stress-campaign                   the concurrent mode under each
#                                          barrier it supports, 100 seeds
#   make stress-campaign SEEDS=200 STRESS_FIRST=5000 STRESS_FILTER='test_stress_*'
#
# Each seed runs the filtered tests once with TRICOLOR_STRESS_SEED=seed,
# about 1.26 million operations for the concurrent filter. `make test`
# runs seed 0 of every test. Included by the main Makefile; relies on
# BUILD and the debug build of the test.

SEEDS         ?= 100
STRESS_FIRST  ?= 1000
STRESS_FILTER ?= test_stress_concurrent*

.PHONY: stress-campaign
stress-campaign: $(BUILD)/dbg/tests/test_stress
	@sh scripts/stress-campaign.sh $< '$(SEEDS)' '$(STRESS_FIRST)' '$(STRESS_FILTER)'

# The script's own test (a stub for the test binary), inside `make test`.
.PHONY: test-stress-campaign
test-stress-campaign:
	@echo "== tests/test_stress_campaign.sh"
	@sh tests/test_stress_campaign.sh scripts/stress-campaign.sh
EXTRA_TEST_TARGETS += test-stress-campaign

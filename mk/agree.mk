# make agree: the figures view and record show against bench's, side by
# side (scripts/agree.sh; a benchmark figure, not part of make test).
# PASSES=N sets the passes of every workload (default 20 on the demo, 2
# on the others: scripts/agree.sh says why), ROUNDS=N the alternating rounds
# each figure is the median of (default 5), WORKLOADS the workloads.
.PHONY: agree
agree: all
	@sh scripts/agree.sh $(PASSES)

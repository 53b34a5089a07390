# make agree: the figures view and record show against bench's, side by
# side (scripts/agree.sh; a benchmark figure, not part of make test).
# PASSES=N sets the passes (default 2).
.PHONY: agree
agree: all
	@sh scripts/agree.sh $(PASSES)

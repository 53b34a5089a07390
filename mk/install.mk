# mk/install.mk — install, uninstall and the shared library.
#
#   make install [PREFIX=/usr/local] [DESTDIR=...]
#   make uninstall [PREFIX=...] [DESTDIR=...]
#
# Installs, with the GNU directory variables a Debian packager expects
# (prefix, exec_prefix, bindir, libdir, includedir, datadir; each can be
# overridden, and DESTDIR is prepended to every one):
#   $(libdir)/libtricolor.a
#   $(libdir)/libtricolor.so.$(TC_VERSION), with soname libtricolor.so.$(TC_SOVERSION)
#     and the links libtricolor.so.$(TC_SOVERSION) and libtricolor.so
#   $(includedir)/tricolor.h           the whole public API, self-contained
#   $(libdir)/pkgconfig/tricolor.pc
#   $(bindir)/tricolor                 the visualizer and benchmark program
#   $(datadir)/tricolor/               its font and the font's license
#
# The shared library exports only the tc_ names (tc__ included: the inline
# barrier in tricolor.h calls tc__barrier_*), through mk/tricolor.map.
# It needs position-independent objects: the collector is compiled once
# more, in $(BUILD)/pic/. Included by the main Makefile; relies on BUILD,
# CC, GC_SRC and the target $(BUILD)/libtricolor.a from it.

# The soname moves with every change of the binary interface (0.2.0:
# tc_event grew the store behind a barrier hit, and the tc__barrier_*
# helpers the inline tc_store calls take it), so a program built against
# an older tricolor.h never loads a library it would call wrongly.
TC_VERSION    := 0.2.0
TC_SOVERSION  := 1

PREFIX        ?= /usr/local
prefix        ?= $(PREFIX)
exec_prefix   ?= $(prefix)
bindir        ?= $(exec_prefix)/bin
libdir        ?= $(exec_prefix)/lib
includedir    ?= $(prefix)/include
datarootdir   ?= $(prefix)/share
datadir       ?= $(datarootdir)
pkgconfigdir  ?= $(libdir)/pkgconfig
INSTALL       ?= install
INSTALL_DATA  ?= $(INSTALL) -m 644

PIC_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -O2 -g -fno-strict-overflow -fPIC
PIC_OBJ    := $(GC_SRC:%.c=$(BUILD)/pic/%.o)
SO_REAL    := libtricolor.so.$(TC_VERSION)
SO_NAME    := libtricolor.so.$(TC_SOVERSION)

$(BUILD)/pic/%.o: %.c $(wildcard gc/*.h) mk/install.mk
	@mkdir -p $(dir $@)
	$(CC) -Igc $(PIC_CFLAGS) -c $< -o $@

$(BUILD)/$(SO_REAL): $(PIC_OBJ) mk/tricolor.map
	$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--version-script,mk/tricolor.map -Wl,-z,defs \
	    $(PIC_OBJ) -lpthread -lm -o $@

# The .pc file names the installed paths; a DESTDIR install keeps the
# final ones (DESTDIR is only where the files are staged).
$(BUILD)/tricolor.pc: mk/install.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' 'prefix=$(prefix)' 'exec_prefix=$(exec_prefix)' 'libdir=$(libdir)' 'includedir=$(includedir)' '' \
	  'Name: tricolor' \
	  'Description: incremental tricolor mark-and-sweep garbage collector for C' \
	  'Version: $(TC_VERSION)' \
	  'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -ltricolor' \
	  'Libs.private: -lpthread -lm' > $@

# Always regenerated: the prefix may differ from the last run.
.PHONY: install uninstall shared $(BUILD)/tricolor.pc
shared: $(BUILD)/$(SO_REAL)

install: $(BUILD)/libtricolor.a $(BUILD)/$(SO_REAL) $(BUILD)/tricolor.pc $(BUILD)/tricolor
	$(INSTALL) -d $(DESTDIR)$(libdir) $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(includedir) $(DESTDIR)$(bindir) \
	    $(DESTDIR)$(datadir)/tricolor
	$(INSTALL_DATA) $(BUILD)/libtricolor.a $(DESTDIR)$(libdir)/libtricolor.a
	$(INSTALL) -m 755 $(BUILD)/$(SO_REAL) $(DESTDIR)$(libdir)/$(SO_REAL)
	ln -sf $(SO_REAL) $(DESTDIR)$(libdir)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(libdir)/libtricolor.so
	$(INSTALL_DATA) gc/tricolor.h $(DESTDIR)$(includedir)/tricolor.h
	$(INSTALL_DATA) $(BUILD)/tricolor.pc $(DESTDIR)$(pkgconfigdir)/tricolor.pc
	$(INSTALL) -m 755 $(BUILD)/tricolor $(DESTDIR)$(bindir)/tricolor
	$(INSTALL_DATA) assets/DejaVuSansMono.ttf assets/LICENSE-DejaVu.txt $(DESTDIR)$(datadir)/tricolor/

uninstall:
	rm -f $(DESTDIR)$(libdir)/libtricolor.a $(DESTDIR)$(libdir)/$(SO_REAL) $(DESTDIR)$(libdir)/$(SO_NAME) \
	    $(DESTDIR)$(libdir)/libtricolor.so $(DESTDIR)$(includedir)/tricolor.h $(DESTDIR)$(pkgconfigdir)/tricolor.pc \
	    $(DESTDIR)$(bindir)/tricolor $(DESTDIR)$(datadir)/tricolor/DejaVuSansMono.ttf \
	    $(DESTDIR)$(datadir)/tricolor/LICENSE-DejaVu.txt
	-rmdir $(DESTDIR)$(datadir)/tricolor 2>/dev/null

# A fresh install into a temporary prefix, then a program outside the tree
# built with pkg-config alone, the examples, DESTDIR staging and uninstall.
.PHONY: test-install
test-install: $(BUILD)/libtricolor.a $(BUILD)/$(SO_REAL) $(BUILD)/tricolor
	@echo "== tests/test_install.sh"
	@MAKE="$(MAKE)" sh tests/test_install.sh

EXTRA_TEST_TARGETS += test-install

# The C library: `make` builds it (release), `make install` copies the
# header, both libraries and pkg-config files under PREFIX (DESTDIR is put
# in front of every path, for packaging):
#
#     make && make install PREFIX=$HOME/.local
#     cc prog.c $(pkg-config --cflags --libs kiln)          # libkiln.so
#     cc prog.c $(pkg-config --cflags --libs kiln-static)   # libkiln.a

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BUILD ?= target/release
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# What the Rust standard library needs from the C library when linked
# statically (`rustc --print native-static-libs`).
STATIC_LIBS = -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
PC = $(DESTDIR)$(LIBDIR)/pkgconfig

# $(call pc,NAME,LIBS): a pkg-config file.
define pc
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: $(1)' \
	  'Description: A VM for typed array programs in a Numba-compatible subset of Python' \
	  'Version: $(VERSION)' 'Libs: $(2)' 'Cflags: -I$${includedir}' > $(PC)/$(1).pc
endef

all:
	cargo build --release --lib

install:
	@test -f $(BUILD)/libkiln.a -a -f $(BUILD)/libkiln.so || \
	  { echo "no libraries in $(BUILD): run make (or cargo build --release --lib) first" >&2; exit 1; }
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(PC)
	install -m 644 include/kiln.h $(DESTDIR)$(INCLUDEDIR)/kiln.h
	install -m 644 $(BUILD)/libkiln.a $(DESTDIR)$(LIBDIR)/libkiln.a
	install -m 755 $(BUILD)/libkiln.so $(DESTDIR)$(LIBDIR)/libkiln.so
	$(call pc,kiln,-L$${libdir} -lkiln)
	$(call pc,kiln-static,$${libdir}/libkiln.a $(STATIC_LIBS))

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/kiln.h $(DESTDIR)$(LIBDIR)/libkiln.a \
	  $(DESTDIR)$(LIBDIR)/libkiln.so $(PC)/kiln.pc $(PC)/kiln-static.pc

.PHONY: all install uninstall

# salesforce_fdw: PGXS build.  `make && make install`, then `test/run-tests`.

MODULE_big = salesforce_fdw
OBJS = \
	salesforce_fdw.o \
	option.o \
	connection.o \
	sync.o \
	http.o \
	convert.o \
	deparse.o \
	describe.o \
	import.o \
	modify.o \
	local_group.o \
	bulk.o \
	failures.o \
	ingest.o

EXTENSION = salesforce_fdw
DATA = salesforce_fdw--1.0.sql salesforce_fdw--1.0--1.1.sql salesforce_fdw--1.1.sql \
	salesforce_fdw--1.1--1.2.sql salesforce_fdw--1.2.sql
PGFILEDESC = "salesforce_fdw - foreign data wrapper for Salesforce"

PKG_CONFIG ?= pkg-config
PG_CPPFLAGS = $(shell $(PKG_CONFIG) --cflags libcurl json-c)
SHLIB_LINK = $(shell $(PKG_CONFIG) --libs libcurl json-c)

# pg_regress suites (sql/, expected/); they need the emulator, started by
# test/run-tests, whose URL reaches the SQL through SFEMU_URL.
REGRESS = options auth select types import dml pushdown encoding sync bulk failures bulkwrite
REGRESS_OPTS = --load-extension=salesforce_fdw --encoding=UTF8

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

indent:
	pgindent --typedefs=typedefs.list *.c *.h 2>/dev/null || \
		clang-format -i --style='{BasedOnStyle: LLVM, UseTab: Always, IndentWidth: 4, TabWidth: 4, BreakBeforeBraces: Allman}' *.c *.h

.PHONY: indent

#!/bin/sh
# typedefs.sh: print the typedef names pg_bsd_indent must know to format
# this project's C code, one a line, sorted: the project's own (from its
# sources) plus those of PostgreSQL, libcurl and json-c that it uses (from
# the DWARF debug information of the built objects, PostgreSQL's own way
# of making its typedefs.list: src/tools/find_typedef) and every typedef
# of PostgreSQL's server headers.  Usage: tools/typedefs.sh > typedefs.list
# (run after `make`, so the objects exist; `make indent` does both).
set -eu
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-pg_config}
{
	# the project's own: "typedef ... Name;" and "} Name;"
	sed -n -e 's/^typedef[^;(]*[ \t*]\([A-Za-z_][A-Za-z_0-9]*\);.*/\1/p' \
		-e 's/^}[ \t]*\([A-Za-z_][A-Za-z_0-9]*\);.*/\1/p' ./*.c ./*.h
	# what the objects use, with debug information (-g, PGXS's default)
	for o in ./*.o; do
		[ -e "$o" ] || continue
		objdump -W "$o" 2>/dev/null |
			awk '/DW_TAG_typedef/ {t = 1; next}
				 t && /DW_AT_name/ {print $NF; t = 0}
				 /DW_TAG_/ {t = 0}'
	done
	# the server headers: the same two patterns
	inc=$("$PG_CONFIG" --includedir-server)
	find "$inc" -name '*.h' -exec sed -n \
		-e 's/^typedef[^;(]*[ \t*]\([A-Za-z_][A-Za-z_0-9]*\);.*/\1/p' \
		-e 's/^}[ \t]*\([A-Za-z_][A-Za-z_0-9]*\);.*/\1/p' {} +
	# a macro that must read as a type, as pgindent adds it
	echo bool
} | grep -E '^[A-Za-z_][A-Za-z_0-9]*$' |
	# names pgindent leaves out: common words some headers make typedefs;
	# and text, which this code names variables and never declares
	grep -vxE 'ANY|FD_SET|U|abs|allocfunc|boolean|date|digit|ilist|interval|iterator|other|pointer|printfunc|reference|string|text|timestamp|type|wrap' |
	LC_ALL=C sort -u

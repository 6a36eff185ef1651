#!/bin/sh
# pgindent.sh: format C files as PostgreSQL's pgindent does: pg_bsd_indent
# (Debian package pg-bsd-indent) with pgindent's options, plus the few
# rewrites pgindent makes before and after it that matter here (dash-boxed
# comments kept, one space before '*' of a return type on a line of its
# own, a tab between run-together comments).  pgindent itself, a Perl
# script of PostgreSQL's source tree, is not packaged.
# Usage: tools/pgindent.sh TYPEDEFS FILE...  (`make indent` runs it)
set -eu
typedefs=$1
shift
if ! command -v pg_bsd_indent >/dev/null 2>&1; then
	echo "pgindent.sh: pg_bsd_indent not found; install it: apt-get install pg-bsd-indent" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for f in "$@"; do
	# before: keep "/* ---" boxes as they are
	sed 's|/\* \{1,\}---|/*---X_X|g' "$f" >"$work/src.c"
	pg_bsd_indent -bad -bap -bbb -bc -bl -cli1 -cp33 -cdb -nce -d0 -di12 \
		-nfc1 -i4 -l79 -lp -lpl -nip -npro -sac -tpg -ts4 -U"$typedefs" \
		"$work/src.c" "$work/out.c"
	# after: undo the box guard; "char *" for a return type on its own
	# line; a tab between two comments that ended up run together
	sed -e 's|/\*---X_X|/* ---|g' \
		-e 's|^\([A-Za-z_][^ \t]*\)[ \t][ \t]*\*$|\1 *|' \
		-e 's|\*/\(/\*.*\*/\)$|*/\t\1|' \
		"$work/out.c" >"$work/post.c"
	if ! cmp -s "$f" "$work/post.c"; then
		cat "$work/post.c" >"$f"
		echo "indented $f"
	fi
done

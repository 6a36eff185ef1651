/*
 * asan_init_first.c
 *		Preloaded after libasan into the sanitizer test cluster: starts the
 *		ASan runtime before any other library's constructor runs.
 *
 * An uninstrumented program with libasan preloaded initializes ASan lazily,
 * at its first malloc.  In postgres (and psql) that first malloc comes from
 * newlocale() in libp11-kit's constructor, while glibc holds its locale lock
 * for writing; ASan's start-up calls dlerror(), whose gettext takes the same
 * lock for reading, and the process hangs at its next setlocale.  Linked
 * with -z initfirst, this object's constructor runs before every other, so
 * ASan starts while no lock is held.  Test tooling only, never installed.
 */
#include <stdlib.h>

__attribute__((constructor))
static void
start_asan_first(void)
{
	free(malloc(1));
}

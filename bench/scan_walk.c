/*
 * bench/scan_walk.c: the floor for bench/scan's CPU per record.
 *
 * Parses the saved query pages given on the command line with json-c and
 * walks every field of every record, touching each value's text the way a
 * converter would have to (a string's bytes and length, a number's text).
 * Prints the best CPU time per record over ROUNDS passes, in nanoseconds:
 *   records N ns_per_record X
 * Pages are read into memory first; only parsing and walking are timed.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 5

static double
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	char	  **texts = calloc(argc, sizeof(char *));
	size_t	   *lens = calloc(argc, sizeof(size_t));
	double		best = -1;
	long		records = 0;
	size_t		sink = 0;

	for (int i = 1; i < argc; i++)
	{
		FILE	   *f = fopen(argv[i], "rb");

		if (f == NULL)
		{
			perror(argv[i]);
			return 1;
		}
		fseek(f, 0, SEEK_END);
		lens[i] = ftell(f);
		fseek(f, 0, SEEK_SET);
		texts[i] = malloc(lens[i] + 1);
		if (fread(texts[i], 1, lens[i], f) != lens[i])
			return 1;
		texts[i][lens[i]] = '\0';
		fclose(f);
	}

	for (int round = 0; round < ROUNDS; round++)
	{
		double		start = cpu_ns();

		records = 0;
		for (int i = 1; i < argc; i++)
		{
			json_tokener *tok = json_tokener_new();
			json_object *page = json_tokener_parse_ex(tok, texts[i],
													  (int) lens[i] + 1);
			json_object *recs;

			json_tokener_free(tok);
			if (page == NULL || !json_object_object_get_ex(page, "records", &recs))
				return 1;
			for (size_t r = 0; r < json_object_array_length(recs); r++)
			{
				json_object *rec = json_object_array_get_idx(recs, r);

				records++;
				json_object_object_foreach(rec, key, val)
				{
					(void) key;
					switch (json_object_get_type(val))
					{
						case json_type_string:
							sink += json_object_get_string_len(val);
							sink += (unsigned char) json_object_get_string(val)[0];
							break;
						case json_type_double:
						case json_type_int:
						case json_type_boolean:
							sink += strlen(json_object_get_string(val));
							break;
						default:
							break;
					}
				}
			}
			json_object_put(page);
		}
		{
			double		ns = cpu_ns() - start;

			if (best < 0 || ns < best)
				best = ns;
		}
	}
	printf("records %ld ns_per_record %.0f sink %zu\n", records,
		   records ? best / records : 0, sink);
	return 0;
}

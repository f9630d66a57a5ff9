/*
 * store-readers.c: N processes read one store at once, each holding a read
 * transaction (a quarry_store_view) until all have one.  LMDB's default
 * reader table has 126 slots; the store raises it (src/store.c), and
 * man/quarry-store.5 gives the limit.  Usage: store-readers DB N.  Prints
 * how many readers opened their view and the first error, exits 0 when all
 * did.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quarry.h"

int
main(int argc, char **argv)
{
	int ready[2], go[2], i, n, ok = 0;
	char c;

	if (argc != 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: store-readers DB N\n");
		return 2;
	}
	if (pipe(ready) != 0 || pipe(go) != 0)
		return 2;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			quarry_store *st = NULL;
			quarry_store_view *v = NULL;
			char res = 'y';

			close(ready[0]);
			close(go[1]);
			if (quarry_store_open(&st, argv[1],
			    QUARRY_STORE_RDONLY) != 0 ||
			    quarry_store_view_open(st, &v) != 0) {
				res = 'n';
				fprintf(stderr, "reader %d: %s\n", i,
				    quarry_store_error(st));
			}
			if (write(ready[1], &res, 1) != 1)
				_exit(1);
			/* Hold the view until the parent lets go. */
			while (read(go[0], &c, 1) > 0)
				;
			quarry_store_view_close(v);
			quarry_store_close(st);
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < n && read(ready[0], &c, 1) == 1; i++)
		ok += c == 'y';
	close(go[1]);
	while (wait(NULL) > 0)
		;
	printf("%d of %d readers\n", ok, n);
	return ok == n ? 0 : 1;
}

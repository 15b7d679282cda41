/* tlsbench.c — timing harness for one TLS access model.
 *
 * Compiled with -DTOUCH=touch_<model> and linked with the tlsaccess.c object
 * of that model (directly, or through a shared object). Usage:
 *
 *   tlsbench N REPS
 *
 * Checks that the TLS variable behaves (per-thread, counts every access),
 * then times REPS rounds of touch_base(N) and TOUCH(N), alternating their
 * order, and prints one line
 *
 *   tls=<ns/iter> base=<ns/iter> diff=<ns/access>
 *
 * with the median over the rounds of each (diff is the median of the
 * per-round differences: the cost of one TLS access).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef TOUCH
#error "compile with -DTOUCH=touch_<model>"
#endif

int TOUCH(int n);
int touch_base(int n);
int tls_value(void);

static volatile int sink;

/* CPU time of this thread: a time slice given to another process in the
 * middle of a timed loop (the machine may be busy) does not count. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A fresh thread starts with the TLS variable at 0 and sees only its own
 * increments. */
static void *thread_check(void *arg)
{
	(void)arg;
	long ok = tls_value() == 0 && TOUCH(100) == 5050 && tls_value() == 100;
	return (void *)ok;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s N REPS\n", argv[0]);
		return 2;
	}
	int n = atoi(argv[1]), reps = atoi(argv[2]);
	if (n <= 0 || reps <= 0 || reps > 1000) {
		fprintf(stderr, "bad N or REPS\n");
		return 2;
	}

	/* Correctness first: a wrongly relaxed or unrelaxed access would show
	 * here rather than as a plausible-looking number. */
	if (tls_value() != 0 || TOUCH(10) != 55 || tls_value() != 10) {
		fprintf(stderr, "TLS check failed in the main thread (value %d)\n", tls_value());
		return 1;
	}
	pthread_t th;
	void *ok = 0;
	if (pthread_create(&th, 0, thread_check, 0) != 0 || pthread_join(th, &ok) != 0 || !ok) {
		fprintf(stderr, "TLS check failed in a second thread\n");
		return 1;
	}
	if (tls_value() != 10) {
		fprintf(stderr, "TLS check failed: the second thread changed the main thread's copy\n");
		return 1;
	}

	/* Warm up caches, branch predictors, lazy binding and the CPU clock. */
	double t_end = now_ns() + 10e6;
	while (now_ns() < t_end) {
		sink = TOUCH(n / 20 + 1);
		sink = touch_base(n / 20 + 1);
	}

	double *tls = malloc(sizeof(double) * reps);
	double *base = malloc(sizeof(double) * reps);
	double *diff = malloc(sizeof(double) * reps);
	if (!tls || !base || !diff)
		return 1;
	for (int r = 0; r < reps; r++) {
		double t0, t1, t2;
		if (r % 2 == 0) {
			t0 = now_ns();
			sink = touch_base(n);
			t1 = now_ns();
			sink = TOUCH(n);
			t2 = now_ns();
			base[r] = (t1 - t0) / n;
			tls[r] = (t2 - t1) / n;
		} else {
			t0 = now_ns();
			sink = TOUCH(n);
			t1 = now_ns();
			sink = touch_base(n);
			t2 = now_ns();
			tls[r] = (t1 - t0) / n;
			base[r] = (t2 - t1) / n;
		}
		diff[r] = tls[r] - base[r];
	}
	printf("tls=%.4f base=%.4f diff=%.4f\n", median(tls, reps), median(base, reps), median(diff, reps));
	return 0;
}

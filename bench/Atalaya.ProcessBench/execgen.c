/* Exec load generator for the process benchmarks: fork+exec of a program at a fixed rate (absolute
 * schedule, so a slow iteration does not lower the rate), or as fast as possible with rate 0.
 * Children are reaped by the kernel (SIGCHLD ignored). Usage: execgen RATE COUNT PROGRAM [ARGS...] */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: execgen RATE COUNT PROGRAM [ARGS...]\n"); return 2; }
    double rate = atof(argv[1]);
    long count = atol(argv[2]);
    signal(SIGCHLD, SIG_IGN);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    long period = rate > 0 ? (long)(1e9 / rate) : 0;
    for (long i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0) { execv(argv[3], argv + 3); _exit(127); }
        if (period > 0) {
            next.tv_nsec += period;
            while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        }
    }
    return 0;
}

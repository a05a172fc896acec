/* keyturn_status through the C ABI, N times on one handle: prints the mean nanoseconds per call.
 * Built and run by tests/bench/ffi.rs (scripts/bench.sh). */
#include <keyturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    long rounds = atol(argv[2]);
    KeyturnHandle handle;
    if (keyturn_open(argv[1], &handle) != KEYTURN_OK) return 1;
    char json[8192];
    if (keyturn_status(handle, json, sizeof json, NULL) != KEYTURN_OK) return 2; /* warm, licensed */
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < rounds; i++) {
        if (keyturn_status(handle, json, sizeof json, NULL) != KEYTURN_OK) {
            fprintf(stderr, "status after %ld calls: %s\n", i, json);
            return 3;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("%.0f\n", ns / rounds);
    keyturn_close(handle);
    return 0;
}

/* Keyturn from C: activate this computer, read the status and an entitlement, deactivate.
 *
 *   cc activate.c -I crates/ffi/include -L target/release -lkeyturn -o activate
 *   ./activate vendor.json KEY pro
 *
 * Every function returns a KEYTURN_* result code (the `keyturn` command line's exit codes);
 * answers are JSON written into a buffer you own. */
#include <keyturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The "code" of an answer document, e.g. VALID or NOT_ACTIVATED (a real program parses JSON). */
static const char *code_of(const char *json, char *out, size_t size) {
    const char *start = strstr(json, "\"code\":\"");
    size_t length = 0;
    if (start != NULL) {
        start += strlen("\"code\":\"");
        while (start[length] != '"' && start[length] != '\0' && length + 1 < size) length++;
        memcpy(out, start, length);
    }
    out[length] = '\0';
    return out;
}

/* Prints the last failure's words and gives its result code back. */
static int failed(KeyturnHandle handle, int result, const char *what) {
    char error[1024];
    keyturn_last_error(handle, NULL, error, sizeof error, NULL);
    fprintf(stderr, "%s failed (%d): %s\n", what, result, error);
    return result;
}

static int print_status(KeyturnHandle handle) {
    char json[4096], code[64];
    size_t needed = 0;
    int result = keyturn_status(handle, json, sizeof json, &needed);
    if (result == KEYTURN_BUFFER_TOO_SMALL) {
        /* Not with a status document, but this is how any buffer grows: */
        char *bigger = malloc(needed);
        result = keyturn_status(handle, bigger, needed, NULL);
        printf("status: %s\n", code_of(bigger, code, sizeof code));
        free(bigger);
        return result;
    }
    printf("status: %s\n", code_of(json, code, sizeof code));
    return result;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s VENDOR_JSON LICENSE_KEY FEATURE\n", argv[0]);
        return KEYTURN_USAGE;
    }
    KeyturnHandle handle = 0;
    int result = keyturn_open(argv[1], &handle);
    if (result != KEYTURN_OK) return failed(0, result, "open");

    char answer[65536], code[64];
    result = keyturn_activate(handle, argv[2], NULL, answer, sizeof answer, NULL);
    if (result != KEYTURN_OK && result != KEYTURN_SEAT_LIMIT) return failed(handle, result, "activate");
    printf("activate: %s\n", code_of(answer, code, sizeof code));

    print_status(handle);
    int entitled = 0;
    keyturn_is_entitled(handle, argv[3], &entitled);
    printf("%s: %s\n", argv[3], entitled ? "on" : "off");

    result = keyturn_deactivate(handle);
    if (result != KEYTURN_OK) return failed(handle, result, "deactivate");
    printf("deactivate: OK\n");
    print_status(handle);
    keyturn_close(handle);
    return KEYTURN_OK;
}

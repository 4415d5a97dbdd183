/* replay_main.c: run LLVMFuzzerTestOneInput over every file in the
 * directories given, so the seed corpus and every past crash are replayed
 * by `meson test --suite fuzz` with the ordinary compiler. Exits 1 when a
 * directory cannot be read or holds no file, so the test cannot pass
 * vacuously. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "util/banned.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    uint8_t *buf = malloc(TP_FUZZ_MAX_INPUT + 1);
    size_t n = buf != NULL ? fread(buf, 1, TP_FUZZ_MAX_INPUT + 1, f) : 0;
    fclose(f);
    if (buf == NULL)
        return -1;
    /* An exact-size copy, so that an over-read is caught by sanitizers. */
    uint8_t *exact = malloc(n != 0 ? n : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    (void)LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return -1;
    }
    long count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (run_file(path) != 0) {
            count = -1;
            break;
        }
        count++;
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        long n = run_dir(argv[i]);
        if (n <= 0) {
            fprintf(stderr, "%s: %s\n", argv[i], n == 0 ? "no inputs" : "unreadable");
            return 1;
        }
        printf("%s: %ld inputs replayed\n", argv[i], n);
    }
    return 0;
}

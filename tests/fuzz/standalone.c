/*
 * Copyright (C) cclink authors
 *
 * A driver that runs a fuzz target without libFuzzer: every file named on
 * the command line, and every file in every directory named, goes once
 * through LLVMFuzzerTestOneInput() in a buffer of its exact size. Built
 * with the system compiler and ASan/UBSan, it lets "make fuzz-regress"
 * replay the kept inputs as part of the normal test run.
 *
 * Files whose names start with '.' or end in ".md" or ".txt" (notes) are
 * skipped. On a crash, the input being run is named before the process
 * dies.
 */

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"


#define FUZZ_MAX_INPUT  (64 * 1024 * 1024)


int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
int __llvm_profile_write_file(void) __attribute__((weak));


static const char  *fuzz_current;


static void
fuzz_name_current(void)
{
    if (fuzz_current) {
        fprintf(stderr, "standalone: crashed on input \"%s\"\n",
                fuzz_current);
    }
}


static void
fuzz_on_abort(int signo)
{
    fuzz_name_current();

    /* a coverage build keeps what it counted until the crash */
    if (__llvm_profile_write_file) {
        __llvm_profile_write_file();
    }

    signal(signo, SIG_DFL);
    raise(signo);
}


static int
fuzz_is_note(const char *name)
{
    size_t  len;

    len = strlen(name);

    return name[0] == '.'
           || (len > 3 && strcmp(name + len - 3, ".md") == 0)
           || (len > 4 && strcmp(name + len - 4, ".txt") == 0);
}


static int
fuzz_run_file(const char *path)
{
    FILE           *f;
    size_t          got;
    uint8_t        *buf;
    struct stat     st;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "standalone: \"%s\": not a regular file\n", path);
        return -1;
    }

    if (st.st_size > FUZZ_MAX_INPUT) {
        fprintf(stderr, "standalone: \"%s\": too large\n", path);
        return -1;
    }

    /* exactly the file's size, so that ASan sees a read past it */
    buf = malloc(st.st_size ? (size_t) st.st_size : 1);
    if (buf == NULL) {
        fprintf(stderr, "standalone: out of memory\n");
        return -1;
    }

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "standalone: \"%s\": %s\n", path, strerror(errno));
        free(buf);
        return -1;
    }

    got = fread(buf, 1, (size_t) st.st_size, f);
    fclose(f);

    if (got != (size_t) st.st_size) {
        fprintf(stderr, "standalone: \"%s\": short read\n", path);
        free(buf);
        return -1;
    }

    fuzz_current = path;
    LLVMFuzzerTestOneInput(buf, got);
    fuzz_current = NULL;

    free(buf);

    return 0;
}


int
main(int argc, char **argv)
{
    int              i, runs, failed;
    char             path[4096];
    DIR             *d;
    struct stat      st;
    struct dirent   *de;

    if (__sanitizer_set_death_callback) {
        __sanitizer_set_death_callback(fuzz_name_current);
    }

    signal(SIGABRT, fuzz_on_abort);

    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }

    runs = 0;
    failed = 0;

    for (i = 1; i < argc; i++) {
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "standalone: \"%s\": %s\n", argv[i],
                    strerror(errno));
            failed = 1;
            continue;
        }

        if (!S_ISDIR(st.st_mode)) {
            failed |= fuzz_run_file(argv[i]) != 0;
            runs++;
            continue;
        }

        d = opendir(argv[i]);
        if (d == NULL) {
            fprintf(stderr, "standalone: \"%s\": %s\n", argv[i],
                    strerror(errno));
            failed = 1;
            continue;
        }

        for (de = readdir(d); de; de = readdir(d)) {
            if (fuzz_is_note(de->d_name)) {
                continue;
            }

            if ((size_t) snprintf(path, sizeof(path), "%s/%s", argv[i],
                                  de->d_name) >= sizeof(path))
            {
                fprintf(stderr, "standalone: path too long\n");
                failed = 1;
                continue;
            }

            failed |= fuzz_run_file(path) != 0;
            runs++;
        }

        closedir(d);
    }

    printf("%s: %d inputs, %s\n", argv[0], runs, failed ? "errors" : "ok");

    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

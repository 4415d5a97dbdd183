/* fuzz.h: the libFuzzer entry point every fuzz_<target>.c defines; the
 * same files link against replay_main.c for the `fuzz` test suite. */
#ifndef TP_FUZZ_H
#define TP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Inputs above this are not interesting: every parser's structures fit
 * well below it, and a bound keeps each run fast. */
#define TP_FUZZ_MAX_INPUT ((size_t)1 << 17)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

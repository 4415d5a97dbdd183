/* fuzz_targets: cli_parse_target_line() (src/cli/targets.c) over one line
 * of a --targets file, as run/fleet.c hands it over: at most
 * TP_MAX_TARGET_LINE bytes, NUL-terminated (the reader turns control
 * characters into '?'; the parser must stand arbitrary bytes anyway).
 * Byte 0 picks the command line's --starttls. */
#include <stdint.h>
#include <string.h>

#include "cli/targets.h"
#include "fuzz.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > TP_MAX_TARGET_LINE + 1)
        return 0;
    char line[TP_MAX_TARGET_LINE + 1];
    enum tp_starttls base = (enum tp_starttls)(data[0] % TP_STARTTLS_COUNT);
    memcpy(line, data + 1, size - 1);
    line[size - 1] = '\0';
    struct tp_target_line t;
    tp_error err = {0};
    tp_status status = cli_parse_target_line(line, base, &t, &err);
    if (status == TP_OK && t.host != NULL && (t.port == 0 || t.host[0] == '\0'))
        __builtin_trap(); /* a target without a port or a host */
    if (status != TP_OK && (t.host != NULL || t.sni != NULL || err.msg[0] == '\0'))
        __builtin_trap(); /* a bad line must leave nothing behind, and say why */
    if (status == TP_OK && cli_target_line_is_blank(line) != (t.host == NULL))
        __builtin_trap();
    cli_target_line_finish(&t);
    return 0;
}

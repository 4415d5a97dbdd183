/* cli_test.h: one cli_parse() run for the cli unit tests (test_cli.c,
 * test_cli_serve.c): argv as heap copies that outlive the parse, because
 * the config keeps pointers into argv (--sni, --alpn, ...). */
#ifndef TP_CLI_TEST_H
#define TP_CLI_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"

#define MAX_ARGS 40

/* argv for one parse. The strings are heap copies that outlive the parse,
 * because the config keeps pointers into argv (--sni, --alpn, ...). */
struct run {
    char *argv[MAX_ARGS + 1];
    int argc;
    struct tp_config cfg;
    tp_error err;
    tp_status status;
};

static void run_free(struct run *run)
{
    cli_config_finish(&run->cfg);
    for (int i = 0; i < run->argc; i++)
        free(run->argv[i]);
    memset(run, 0, sizeof *run);
}

/* Parse "tlsprobe" followed by the NULL-terminated arguments. */
static tp_status parse(struct run *run, ...)
{
    memset(run, 0, sizeof *run);
    run->argv[run->argc++] = strdup("tlsprobe");
    va_list ap;
    va_start(ap, run);
    for (const char *a = va_arg(ap, const char *); a != NULL; a = va_arg(ap, const char *)) {
        assert_true(run->argc < MAX_ARGS);
        run->argv[run->argc++] = strdup(a);
    }
    va_end(ap);
    run->status = cli_parse(run->argc, run->argv, &run->cfg, &run->err);
    if (run->status != TP_OK)
        print_message("  cli_parse: %s\n", run->err.msg);
    return run->status;
}

/* Expect a usage error whose message mentions each of the given parts. */
static void expect_usage(struct run *run, const char *part1, const char *part2)
{
    assert_int_equal(run->status, TP_E_USAGE);
    assert_int_equal(run->err.status, TP_E_USAGE);
    if (part1 != NULL && strstr(run->err.msg, part1) == NULL)
        fail_msg("message '%s' lacks '%s'", run->err.msg, part1);
    if (part2 != NULL && strstr(run->err.msg, part2) == NULL)
        fail_msg("message '%s' lacks '%s'", run->err.msg, part2);
    run_free(run);
}

#endif

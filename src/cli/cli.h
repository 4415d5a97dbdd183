/* cli.h: the option table, the parser and --help.
 *
 * The table in options.c is the single source for getopt_long, --help and
 * (checked by tests/unit/cli and tests/integration/test_docs.py) the man
 * page, the completions and the JSON schema document. */
#ifndef TP_CLI_H
#define TP_CLI_H

#include <stdio.h>

#include "cli/config.h"
#include "util/err.h"

enum tp_opt_arg { TP_ARG_NONE = 0, TP_ARG_REQUIRED };

enum tp_opt_category {
    TP_CAT_TARGET = 0,
    TP_CAT_TLS,
    TP_CAT_VERIFY,
    TP_CAT_CREDENTIALS, /* --cert/--key, --psk-identity/--psk-key */
    TP_CAT_OUTPUT,
    TP_CAT_GENERAL,
    TP_CAT_ENUM,      /* --enum and its knobs */
    TP_CAT_TIMING,    /* --timing, --capture, --read and their knobs */
    TP_CAT_FLEET,     /* --targets and its knobs */
    TP_CAT_SERVE,     /* --serve and its knobs */
    TP_CAT_COUNT,
};

struct tp_option {
    const char *long_name;     /* without "--" */
    int short_name;            /* 0 if none */
    enum tp_opt_arg arg;
    const char *arg_name;      /* e.g. "NAME", NULL when no argument */
    const char *help;          /* one line */
    enum tp_opt_category category;
    int id;                    /* returned by getopt_long */
};

extern const struct tp_option tp_options[];
extern const size_t tp_options_count;

/* The usage line, shared with the man page SYNOPSIS. */
extern const char tp_usage_line[];

/* Parse argv into cfg (initialised to defaults first). On a usage error,
 * returns TP_E_USAGE with a message in err naming the offending option(s). */
TP_MUST_CHECK tp_status cli_parse(int argc, char **argv, struct tp_config *cfg, tp_error *err);
void cli_config_finish(struct tp_config *cfg);

void cli_print_help(FILE *out);
void cli_print_version(FILE *out);

/* Parse a duration such as "5", "5s", "250ms", "2m" into milliseconds; a bare
 * number is seconds. Bounds: 1 ms .. 1 hour. */
TP_MUST_CHECK tp_status cli_parse_duration_ms(const char *text, uint32_t *out_ms);
/* Parse a decimal unsigned integer within [min, max]. */
TP_MUST_CHECK tp_status cli_parse_uint(const char *text, uint32_t min, uint32_t max,
                                       uint32_t *out);

#endif

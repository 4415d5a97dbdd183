/* targets.h: the lines of a --targets file, and --shard K/N.
 *
 * One target a line, tokens separated by blanks:
 *
 *     HOST[:PORT] [sni=NAME | no-sni] [starttls=PROTO]
 *
 * HOST[:PORT] is the command line's operand (cli/target.h); a PORT left
 * out is the line's STARTTLS protocol's, else the command line's
 * --starttls protocol's, else 443. A line's options replace the command
 * line's for that target only. Blank lines and lines whose first token
 * starts with '#' are skipped; a token starting with '#' ends the line.
 * Anything else (an unknown option, a repeated one, sni= with no-sni, a
 * host the operand would refuse) is a bad line: the caller reports it and
 * goes on. */
#ifndef TP_CLI_TARGETS_H
#define TP_CLI_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"
#include "util/err.h"

/* Longer lines are bad lines (the reader skips the rest of them). */
#define TP_MAX_TARGET_LINE 1024u
/* --shard's N: far more machines than anyone shards over. */
#define TP_MAX_SHARDS 1000000u

struct tp_target_line {
    char *host;                /* owned, NULL when the line holds no target */
    uint16_t port;
    char *sni;                 /* sni=NAME, owned; NULL if not given */
    bool no_sni;               /* no-sni */
    bool has_starttls;         /* starttls=PROTO was given */
    enum tp_starttls starttls; /* its protocol */
};

/* True when line (no newline) holds no target: blank, or a comment. */
bool cli_target_line_is_blank(const char *line);

/* Parse one line (without its newline). TP_OK with out->host NULL for a
 * blank or comment line; TP_E_USAGE with a message for a bad line (out is
 * then empty). base_starttls is the command line's --starttls, for the
 * default port. Release with cli_target_line_finish(). */
TP_MUST_CHECK tp_status cli_parse_target_line(const char *line, enum tp_starttls base_starttls,
                                              struct tp_target_line *out, tp_error *err);
void cli_target_line_finish(struct tp_target_line *t);

/* The config for one target: a shallow copy of base (whose strings stay
 * base's or argv's) with the line's host, port, SNI and STARTTLS. It
 * borrows line's strings: keep line alive while it is used, and never pass
 * it to cli_config_finish(). */
void cli_target_config(const struct tp_config *base, const struct tp_target_line *line,
                       struct tp_config *out);

/* --shard K/N: 0 <= K < N <= TP_MAX_SHARDS. */
TP_MUST_CHECK tp_status cli_parse_shard(const char *text, uint32_t *k, uint32_t *n);

/* Whether the target with index i (0 for the first target line of the file,
 * comments and blank lines not counted) belongs to shard k of n; n == 0
 * (no --shard) takes every target. */
bool cli_shard_selects(uint64_t index, uint32_t k, uint32_t n);

#endif

/* targets.c: --targets lines and --shard (targets.h). */
#include "cli/targets.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/target.h"
#include "net/starttls.h"
#include "util/banned.h"

#define MAX_SNI_LEN 253 /* RFC 6066 Sec. 3: a DNS host name */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The next blank-separated token of *p, advancing *p past it; false at the
 * end of the line or at a comment. */
static bool next_token(const char **p, const char **start, size_t *len)
{
    const char *s = *p;
    while (is_blank(*s))
        s++;
    if (*s == '\0' || *s == '#')
        return false;
    const char *e = s;
    while (*e != '\0' && !is_blank(*e))
        e++;
    *start = s;
    *len = (size_t)(e - s);
    *p = e;
    return true;
}

bool cli_target_line_is_blank(const char *line)
{
    const char *start;
    size_t len;
    return !next_token(&line, &start, &len);
}

static bool token_is(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(tok, word, len) == 0;
}

static bool token_has_prefix(const char *tok, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(tok, prefix, n) == 0;
}

static tp_status set_sni(struct tp_target_line *t, const char *value, size_t len,
                         tp_error *err)
{
    if (t->sni != NULL || t->no_sni)
        return tp_fail(err, TP_E_USAGE, "sni= given twice, or with no-sni");
    if (len == 0 || len > MAX_SNI_LEN)
        return tp_fail(err, TP_E_USAGE, "sni=: expected a name of 1-%d bytes", MAX_SNI_LEN);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x21 || c == 0x7f)
            return tp_fail(err, TP_E_USAGE, "sni=: control character in the name");
    }
    t->sni = strndup(value, len);
    if (t->sni == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    return TP_OK;
}

static tp_status set_starttls(struct tp_target_line *t, const char *value, size_t len,
                              tp_error *err)
{
    if (t->has_starttls)
        return tp_fail(err, TP_E_USAGE, "starttls= given twice");
    char name[16];
    if (len == 0 || len >= sizeof name)
        return tp_fail(err, TP_E_USAGE, "starttls=: unknown protocol");
    memcpy(name, value, len);
    name[len] = '\0';
    t->starttls = net_starttls_by_name(name);
    if (t->starttls == TP_STARTTLS_NONE) {
        char names[256];
        net_starttls_list(names, sizeof names);
        return tp_fail(err, TP_E_USAGE, "starttls=: expected one of %s, not '%s'", names, name);
    }
    t->has_starttls = true;
    return TP_OK;
}

/* One option token after HOST[:PORT]. */
static tp_status apply_token(struct tp_target_line *t, const char *tok, size_t len, tp_error *err)
{
    if (token_is(tok, len, "no-sni")) {
        if (t->sni != NULL || t->no_sni)
            return tp_fail(err, TP_E_USAGE, "no-sni given twice, or with sni=");
        t->no_sni = true;
        return TP_OK;
    }
    if (token_has_prefix(tok, len, "sni="))
        return set_sni(t, tok + 4, len - 4, err);
    if (token_has_prefix(tok, len, "starttls="))
        return set_starttls(t, tok + 9, len - 9, err);
    int shown = len > 64 ? 64 : (int)len;
    return tp_fail(err, TP_E_USAGE,
                   "unknown option '%.*s' (expected sni=NAME, no-sni or starttls=PROTO)", shown,
                   tok);
}

static tp_status parse_line(const char *line, enum tp_starttls base_starttls,
                            struct tp_target_line *t, tp_error *err)
{
    const char *p = line, *tok, *host_tok;
    size_t len, host_len;
    if (strlen(line) > TP_MAX_TARGET_LINE)
        return tp_fail(err, TP_E_USAGE, "line longer than %u bytes", TP_MAX_TARGET_LINE);
    if (!next_token(&p, &host_tok, &host_len))
        return TP_OK;
    while (next_token(&p, &tok, &len))
        TP_TRY(apply_token(t, tok, len, err));
    enum tp_starttls starttls = t->has_starttls ? t->starttls : base_starttls;
    uint16_t default_port =
        starttls != TP_STARTTLS_NONE ? net_starttls_port(starttls) : TP_DEFAULT_PORT;
    char operand[TP_MAX_TARGET_LINE + 1];
    memcpy(operand, host_tok, host_len);
    operand[host_len] = '\0';
    return cli_parse_target(operand, default_port, &t->host, &t->port, err);
}

tp_status cli_parse_target_line(const char *line, enum tp_starttls base_starttls,
                                struct tp_target_line *out, tp_error *err)
{
    memset(out, 0, sizeof *out);
    tp_status status = parse_line(line, base_starttls, out, err);
    if (status != TP_OK)
        cli_target_line_finish(out);
    return status;
}

void cli_target_line_finish(struct tp_target_line *t)
{
    if (t == NULL)
        return;
    free(t->host);
    free(t->sni);
    memset(t, 0, sizeof *t);
}

void cli_target_config(const struct tp_config *base, const struct tp_target_line *line,
                       struct tp_config *out)
{
    *out = *base;
    out->host = line->host;
    out->port = line->port;
    if (line->sni != NULL) {
        out->sni = line->sni;
        out->no_sni = false;
    } else if (line->no_sni) {
        out->sni = NULL;
        out->no_sni = true;
    }
    if (line->has_starttls)
        out->starttls = line->starttls;
    out->quiet_progress = true;
}

tp_status cli_parse_shard(const char *text, uint32_t *k, uint32_t *n)
{
    const char *slash = strchr(text, '/');
    char left[16];
    size_t len = slash != NULL ? (size_t)(slash - text) : 0;
    if (slash == NULL || len == 0 || len >= sizeof left)
        return TP_E_USAGE;
    memcpy(left, text, len);
    left[len] = '\0';
    uint32_t index, count;
    TP_TRY(cli_parse_uint(slash + 1, 1, TP_MAX_SHARDS, &count));
    TP_TRY(cli_parse_uint(left, 0, TP_MAX_SHARDS - 1, &index));
    if (index >= count)
        return TP_E_USAGE;
    *k = index;
    *n = count;
    return TP_OK;
}

bool cli_shard_selects(uint64_t index, uint32_t k, uint32_t n)
{
    return n == 0 || index % n == k;
}

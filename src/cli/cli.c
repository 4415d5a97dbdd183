/* cli.c: argv -> struct tp_config. Every value is parsed with bounds, and
 * conflicting options are rejected before any work, naming both. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/option_ids.h"
#include "cli/target.h"
#include "wire/registry.h"
#include "util/banned.h"

#ifndef TP_VERSION
#define TP_VERSION "0.0.0"
#endif

#define MAX_DURATION_MS (3600u * 1000u)
#define MAX_WARN_DAYS 3650u
#define MAX_ALPN_LEN 1024u

static const char *const category_titles[TP_CAT_COUNT] = {
    [TP_CAT_TARGET] = "Target and deadlines",
    [TP_CAT_TLS] = "TLS offer",
    [TP_CAT_VERIFY] = "Certificate verification",
    [TP_CAT_OUTPUT] = "Output and exit status",
    [TP_CAT_GENERAL] = "General",
};

tp_status cli_parse_uint(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
    if (text == NULL || *text < '0' || *text > '9')
        return TP_E_USAGE;
    errno = 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return TP_E_USAGE;
    *out = (uint32_t)value;
    return TP_OK;
}

tp_status cli_parse_duration_ms(const char *text, uint32_t *out_ms)
{
    static const struct {
        const char *suffix;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"", 1000}};
    if (text == NULL || *text < '0' || *text > '9')
        return TP_E_USAGE;
    errno = 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || value > MAX_DURATION_MS)
        return TP_E_USAGE;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].suffix) != 0)
            continue;
        uint64_t ms = value * units[i].ms;
        if (ms < 1 || ms > MAX_DURATION_MS)
            return TP_E_USAGE;
        *out_ms = (uint32_t)ms;
        return TP_OK;
    }
    return TP_E_USAGE;
}

static void config_defaults(struct tp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = TP_DEFAULT_PORT;
    cfg->connect_timeout_ms = TP_DEFAULT_CONNECT_TIMEOUT_MS;
    cfg->timeout_ms = TP_DEFAULT_TIMEOUT_MS;
    cfg->warn_days = TP_DEFAULT_WARN_DAYS;
    cfg->fail_on = TP_SEV_HIGH;
    cfg->color = TP_COLOR_AUTO;
}

void cli_config_finish(struct tp_config *cfg)
{
    free(cfg->host);
    cfg->host = NULL;
}

static tp_status parse_tls_version(const char *opt, const char *text, uint16_t *out,
                                   tp_error *err)
{
    uint16_t v = tp_version_parse(text);
    if (v < TP_VER_TLS10)
        return tp_fail(err, TP_E_USAGE, "--%s: unknown version '%s' (use 1.0, 1.1, 1.2 or 1.3)",
                       opt, text);
    *out = v;
    return TP_OK;
}

static tp_status parse_color(const char *text, enum tp_color_mode *out, tp_error *err)
{
    static const char *const names[] = {[TP_COLOR_AUTO] = "auto",
                                        [TP_COLOR_ALWAYS] = "always",
                                        [TP_COLOR_NEVER] = "never"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (enum tp_color_mode)i;
            return TP_OK;
        }
    return tp_fail(err, TP_E_USAGE, "--color: expected auto, always or never, not '%s'", text);
}

static tp_status check_alpn(const char *text, tp_error *err)
{
    size_t len = strlen(text);
    if (len == 0 || len > MAX_ALPN_LEN)
        return tp_fail(err, TP_E_USAGE, "--alpn: expected a comma-separated list of protocols");
    /* RFC 7301 Sec. 3.1: each protocol name is 1..255 bytes, none empty. */
    size_t run = 0;
    for (size_t i = 0; i <= len; i++) {
        if (text[i] == ',' || text[i] == '\0') {
            if (run == 0 || run > 255)
                return tp_fail(err, TP_E_USAGE, "--alpn: empty or overlong protocol in '%s'",
                               text);
            run = 0;
        } else {
            run++;
        }
    }
    return TP_OK;
}

static tp_status apply_option(int id, const char *arg, struct tp_config *cfg, tp_error *err)
{
    int sev;
    switch (id) {
    case OPT_HELP:
        cfg->action = TP_ACTION_HELP;
        return TP_OK;
    case OPT_VERSION:
        cfg->action = TP_ACTION_VERSION;
        return TP_OK;
    case OPT_IPV4:
        if (cfg->family == TP_FAMILY_V6)
            return tp_fail(err, TP_E_USAGE, "-4 and -6 cannot be used together");
        cfg->family = TP_FAMILY_V4;
        return TP_OK;
    case OPT_IPV6:
        if (cfg->family == TP_FAMILY_V4)
            return tp_fail(err, TP_E_USAGE, "-4 and -6 cannot be used together");
        cfg->family = TP_FAMILY_V6;
        return TP_OK;
    case OPT_JSON:
        cfg->json = true;
        return TP_OK;
    case OPT_ALPN:
        cfg->alpn = arg;
        return check_alpn(arg, err);
    case OPT_CA_FILE:
        cfg->ca_file = arg;
        return TP_OK;
    case OPT_COLOR:
        return parse_color(arg, &cfg->color, err);
    case OPT_CONNECT_TIMEOUT:
        if (cli_parse_duration_ms(arg, &cfg->connect_timeout_ms) != TP_OK)
            return tp_fail(err, TP_E_USAGE,
                           "--connect-timeout: invalid duration '%s' (e.g. 5s, 500ms; max 1h)",
                           arg);
        return TP_OK;
    case OPT_TIMEOUT:
        if (cli_parse_duration_ms(arg, &cfg->timeout_ms) != TP_OK)
            return tp_fail(err, TP_E_USAGE,
                           "--timeout: invalid duration '%s' (e.g. 20s, 1m; max 1h)", arg);
        return TP_OK;
    case OPT_FAIL_ON:
        sev = tp_severity_parse(arg);
        if (sev < 0)
            return tp_fail(err, TP_E_USAGE,
                           "--fail-on: expected info, low, medium, high, critical or none, not "
                           "'%s'",
                           arg);
        cfg->fail_on = (enum tp_severity)sev;
        return TP_OK;
    case OPT_NO_SNI:
        cfg->no_sni = true;
        return TP_OK;
    case OPT_PRIORITY:
        cfg->priority = arg;
        return TP_OK;
    case OPT_SNI:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--sni: empty name (use --no-sni to send none)");
        cfg->sni = arg;
        return TP_OK;
    case OPT_TLS_MAX:
        return parse_tls_version("tls-max", arg, &cfg->tls_max, err);
    case OPT_TLS_MIN:
        return parse_tls_version("tls-min", arg, &cfg->tls_min, err);
    case OPT_WARN_DAYS:
        if (cli_parse_uint(arg, 0, MAX_WARN_DAYS, &cfg->warn_days) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--warn-days: expected 0-%u, not '%s'",
                           MAX_WARN_DAYS, arg);
        return TP_OK;
    default:
        return tp_fail(err, TP_E_INTERNAL, "option %d has no handler", id);
    }
}

/* Reject combinations that cannot mean anything, naming both options. */
static tp_status check_conflicts(const struct tp_config *cfg, tp_error *err)
{
    if (cfg->sni != NULL && cfg->no_sni)
        return tp_fail(err, TP_E_USAGE, "--sni and --no-sni cannot be used together");
    if (cfg->tls_min != 0 && cfg->tls_max != 0 && cfg->tls_min > cfg->tls_max)
        return tp_fail(err, TP_E_USAGE, "--tls-min %s is above --tls-max %s",
                       tp_version_name(cfg->tls_min), tp_version_name(cfg->tls_max));
    if (cfg->priority != NULL && (cfg->tls_min != 0 || cfg->tls_max != 0))
        return tp_fail(err, TP_E_USAGE,
                       "--priority cannot be combined with --tls-min/--tls-max (put the "
                       "versions in the priority string)");
    if (cfg->connect_timeout_ms > cfg->timeout_ms)
        return tp_fail(err, TP_E_USAGE, "--connect-timeout is longer than --timeout");
    return TP_OK;
}

/* Build getopt_long's tables from tp_options. */
static tp_status build_getopt(struct option **longopts_out, char **shortopts_out)
{
    struct option *longopts = calloc(tp_options_count + 1, sizeof *longopts);
    char *shortopts = calloc(2 * tp_options_count + 2, 1);
    if (longopts == NULL || shortopts == NULL) {
        free(longopts);
        free(shortopts);
        return TP_E_NOMEM;
    }
    size_t s = 0;
    shortopts[s++] = ':'; /* report a missing argument as ':' */
    for (size_t i = 0; i < tp_options_count; i++) {
        const struct tp_option *o = &tp_options[i];
        longopts[i] = (struct option){o->long_name,
                                      o->arg == TP_ARG_REQUIRED ? required_argument : no_argument,
                                      NULL, o->id};
        if (o->short_name != 0) {
            shortopts[s++] = (char)o->short_name;
            if (o->arg == TP_ARG_REQUIRED)
                shortopts[s++] = ':';
        }
    }
    *longopts_out = longopts;
    *shortopts_out = shortopts;
    return TP_OK;
}

static tp_status parse_options(int argc, char **argv, struct tp_config *cfg, tp_error *err)
{
    struct option *longopts = NULL;
    char *shortopts = NULL;
    if (build_getopt(&longopts, &shortopts) != TP_OK)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_status status = TP_OK;
    opterr = 0;
    optind = 1;
    int id;
    while (status == TP_OK && (id = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const char *bad = argv[optind - 1];
        if (id == '?')
            status = tp_fail(err, TP_E_USAGE, "unknown option '%s'", bad);
        else if (id == ':')
            status = tp_fail(err, TP_E_USAGE, "option '%s' needs an argument", bad);
        else
            status = apply_option(id, optarg, cfg, err);
    }
    free(longopts);
    free(shortopts);
    return status;
}

tp_status cli_parse(int argc, char **argv, struct tp_config *cfg, tp_error *err)
{
    config_defaults(cfg);
    TP_TRY(parse_options(argc, argv, cfg, err));
    if (cfg->action != TP_ACTION_REPORT)
        return TP_OK;
    if (optind >= argc)
        return tp_fail(err, TP_E_USAGE, "missing HOST[:PORT] (usage: %s)", tp_usage_line);
    if (argc - optind > 1)
        return tp_fail(err, TP_E_USAGE, "one target at a time; unexpected '%s'",
                       argv[optind + 1]);
    TP_TRY(cli_parse_target(argv[optind], TP_DEFAULT_PORT, &cfg->host, &cfg->port, err));
    return check_conflicts(cfg, err);
}

void cli_print_help(FILE *out)
{
    fprintf(out, "Usage: %s\n\n", tp_usage_line);
    fprintf(out, "Connect to HOST (port 443 by default), complete a TLS handshake and report\n"
                 "the protocol, cipher suite, key exchange and the verified certificate chain.\n");
    for (int cat = 0; cat < TP_CAT_COUNT; cat++) {
        fprintf(out, "\n%s:\n", category_titles[cat]);
        for (size_t i = 0; i < tp_options_count; i++) {
            const struct tp_option *o = &tp_options[i];
            if ((int)o->category != cat)
                continue;
            char left[64];
            int n = o->short_name ? snprintf(left, sizeof left, "-%c, --%s", o->short_name,
                                             o->long_name)
                                  : snprintf(left, sizeof left, "    --%s", o->long_name);
            if (o->arg_name != NULL && n > 0 && (size_t)n < sizeof left)
                snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg_name);
            fprintf(out, "  %-30s %s\n", left, o->help);
        }
    }
    fprintf(out, "\nExit status: 0 done, nothing at or above --fail-on; 1 findings at or above "
                 "it;\n2 usage error; 3 could not resolve, connect, or timed out; 4 TLS failed;\n"
                 "5 internal error. See tlsprobe(1) and tlsprobe-json(5).\n");
}

void cli_print_version(FILE *out)
{
    fprintf(out, "tlsprobe %s\n", TP_VERSION);
}

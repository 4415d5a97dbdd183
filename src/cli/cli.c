/* cli.c: argv -> struct tp_config. Every value is parsed with bounds, and
 * conflicting options are rejected before any work, naming both. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/option_ids.h"
#include "cli/target.h"
#include "cli/targets.h"
#include "net/starttls.h"
#include "net/starttls_serve.h"
#include "serve/battery.h"
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
    [TP_CAT_CREDENTIALS] = "Client credentials",
    [TP_CAT_OUTPUT] = "Output and exit status",
    [TP_CAT_GENERAL] = "General",
    [TP_CAT_ENUM] = "Enumeration (--enum)",
    [TP_CAT_TIMING] = "Timing and capture",
    [TP_CAT_FLEET] = "Fleets (--targets)",
    [TP_CAT_SERVE] = "Serving (--serve)",
};

/* Grading rule sets for --policy (grade/ implements them). */
static const char *const policy_names[] = {
    "rfc9325", "mozilla-intermediate", "mozilla-modern", "nist-800-52r2", "iot-rfc7925",
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
    free(cfg->serve_host);
    cfg->serve_host = NULL;
    if (cfg->psk_key != NULL)
        explicit_bzero(cfg->psk_key, cfg->psk_key_len);
    free(cfg->psk_key);
    cfg->psk_key = NULL;
    cfg->psk_key_len = 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* --psk-key: hex digits, as openssl s_client -psk and gnutls-cli --pskkey
 * take them (an optional 0x is allowed), 1..TP_MAX_PSK_KEY bytes. */
static tp_status parse_psk_key(const char *text, struct tp_config *cfg, tp_error *err)
{
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text += 2;
    size_t digits = strlen(text);
    if (digits == 0 || digits % 2 != 0 || digits / 2 > TP_MAX_PSK_KEY)
        return tp_fail(err, TP_E_USAGE,
                       "--psk-key: expected an even number of hex digits, 2-%u", 2 * TP_MAX_PSK_KEY);
    uint8_t *key = malloc(digits / 2);
    if (key == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    for (size_t i = 0; i < digits / 2; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(key);
            return tp_fail(err, TP_E_USAGE, "--psk-key: '%c' is not a hex digit",
                           hi < 0 ? text[2 * i] : text[2 * i + 1]);
        }
        key[i] = (uint8_t)(hi << 4 | lo);
    }
    if (cfg->psk_key != NULL)
        explicit_bzero(cfg->psk_key, cfg->psk_key_len);
    free(cfg->psk_key);
    cfg->psk_key = key;
    cfg->psk_key_len = digits / 2;
    return TP_OK;
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

static tp_status parse_policy(const char *text, const char **out, tp_error *err)
{
    for (size_t i = 0; i < sizeof policy_names / sizeof policy_names[0]; i++)
        if (strcmp(text, policy_names[i]) == 0) {
            *out = policy_names[i];
            return TP_OK;
        }
    return tp_fail(err, TP_E_USAGE,
                   "--policy: expected rfc9325, mozilla-intermediate, mozilla-modern, "
                   "nist-800-52r2 or iot-rfc7925, not '%s'",
                   text);
}

static tp_status parse_starttls(const char *text, enum tp_starttls *out, tp_error *err)
{
    *out = net_starttls_by_name(text);
    if (*out != TP_STARTTLS_NONE)
        return TP_OK;
    char names[256];
    net_starttls_list(names, sizeof names);
    return tp_fail(err, TP_E_USAGE, "--starttls: expected one of %s, not '%s'", names, text);
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

/* --serve ADDRESS: host:port, [v6]:port; port 0 asks the system for one
 * (printed when listening), which the target parser does not take. */
static tp_status parse_serve_address(const char *arg, struct tp_config *cfg, tp_error *err)
{
    size_t len = strlen(arg);
    bool any_port = len > 2 && strcmp(arg + len - 2, ":0") == 0;
    char text[300];
    if (len >= sizeof text)
        return tp_fail(err, TP_E_USAGE, "--serve: address too long");
    memcpy(text, arg, len + 1);
    if (any_port)
        text[len - 2] = '\0';
    free(cfg->serve_host);
    cfg->serve_host = NULL;
    cfg->serve_port = 0;
    TP_TRY(cli_parse_target(text, 0, &cfg->serve_host, &cfg->serve_port, err));
    if (cfg->serve_port == 0 && !any_port)
        return tp_fail(err, TP_E_USAGE, "--serve: expected ADDRESS:PORT, not '%s'", arg);
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
    case OPT_CERT:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--cert: empty file name");
        cfg->cert_file = arg;
        return TP_OK;
    case OPT_KEY:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--key: empty file name");
        cfg->key_file = arg;
        return TP_OK;
    case OPT_PSK_IDENTITY:
        if (*arg == '\0' || strlen(arg) > TP_MAX_PSK_IDENTITY)
            return tp_fail(err, TP_E_USAGE, "--psk-identity: expected 1-%u bytes",
                           TP_MAX_PSK_IDENTITY);
        cfg->psk_identity = arg;
        return TP_OK;
    case OPT_PSK_KEY:
        return parse_psk_key(arg, cfg, err);
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
        cfg->timeout_given = true;
        return TP_OK;
    case OPT_ENUM:
        cfg->enumerate = true;
        return TP_OK;
    case OPT_VULNS:
        cfg->vulns = true;
        return TP_OK;
    case OPT_NO_VULNS:
        cfg->no_vulns = true;
        return TP_OK;
    case OPT_PARALLEL:
        cfg->parallel_given = true;
        if (cli_parse_uint(arg, 1, TP_MAX_PARALLEL, &cfg->parallel) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--parallel: expected 1-%u, not '%s'",
                           TP_MAX_PARALLEL, arg);
        return TP_OK;
    case OPT_MAX_CONNECTIONS:
        if (cli_parse_uint(arg, 1, 1000000u, &cfg->max_connections) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--max-connections: expected 1-1000000, not '%s'",
                           arg);
        return TP_OK;
    case OPT_DELAY:
        if (cli_parse_duration_ms(arg, &cfg->delay_ms) != TP_OK)
            return tp_fail(err, TP_E_USAGE,
                           "--delay: invalid duration '%s' (e.g. 100ms, 1s; max 1h)", arg);
        return TP_OK;
    case OPT_POLICY:
        return parse_policy(arg, &cfg->policy, err);
    case OPT_FAIL_ON:
        sev = tp_severity_parse(arg);
        if (sev < 0)
            return tp_fail(err, TP_E_USAGE,
                           "--fail-on: expected info, low, medium, high, critical or none, not "
                           "'%s'",
                           arg);
        cfg->fail_on = (enum tp_severity)sev;
        return TP_OK;
    case OPT_NO_OTHER_CHAINS:
        cfg->no_other_chains = true;
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
    case OPT_STARTTLS:
        return parse_starttls(arg, &cfg->starttls, err);
    case OPT_DTLS:
        cfg->dtls = true;
        return TP_OK;
    case OPT_MTU:
        if (cli_parse_uint(arg, TP_MIN_DTLS_MTU, TP_MAX_DTLS_MTU, &cfg->mtu) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--mtu: expected %u-%u bytes, not '%s'",
                           TP_MIN_DTLS_MTU, TP_MAX_DTLS_MTU, arg);
        return TP_OK;
    case OPT_TLS_MAX:
        return parse_tls_version("tls-max", arg, &cfg->tls_max, err);
    case OPT_TLS_MIN:
        return parse_tls_version("tls-min", arg, &cfg->tls_min, err);
    case OPT_TIMING:
        cfg->timing = true;
        return TP_OK;
    case OPT_REPEAT:
        if (cli_parse_uint(arg, 1, TP_MAX_REPEAT, &cfg->repeat) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--repeat: expected 1-%u, not '%s'", TP_MAX_REPEAT,
                           arg);
        return TP_OK;
    case OPT_RESUME:
        cfg->resume = true;
        return TP_OK;
    case OPT_LINK:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--link: expected a preset name or a spec");
        cfg->link = arg;
        return TP_OK;
    case OPT_CAPTURE:
        cfg->capture = true;
        return TP_OK;
    case OPT_INTERFACE:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "-i: empty interface name");
        cfg->interface = arg;
        return TP_OK;
    case OPT_WRITE:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "-w: empty file name");
        cfg->write_file = arg;
        return TP_OK;
    case OPT_USER:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--user: empty user name");
        cfg->capture_user = arg;
        return TP_OK;
    case OPT_READ:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--read: empty file name");
        cfg->read_file = arg;
        return TP_OK;
    case OPT_TARGETS:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--targets: empty file name (use - for stdin)");
        cfg->targets_file = arg;
        return TP_OK;
    case OPT_JOBS:
        if (cli_parse_uint(arg, 1, TP_MAX_JOBS, &cfg->jobs) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--jobs: expected 1-%u, not '%s'", TP_MAX_JOBS, arg);
        return TP_OK;
    case OPT_SHARD:
        if (cli_parse_shard(arg, &cfg->shard_index, &cfg->shard_count) != TP_OK)
            return tp_fail(err, TP_E_USAGE,
                           "--shard: expected K/N with 0 <= K < N <= %u, not '%s'",
                           TP_MAX_SHARDS, arg);
        return TP_OK;
    case OPT_SERVE:
        cfg->serve = true;
        return parse_serve_address(arg, cfg, err);
    case OPT_HOSTNAME:
        if (*arg == '\0' || strlen(arg) > 253)
            return tp_fail(err, TP_E_USAGE, "--hostname: expected a host name or address");
        cfg->hostname = arg;
        return TP_OK;
    case OPT_SERVE_CA:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--serve-ca: empty file name");
        cfg->serve_ca = arg;
        return TP_OK;
    case OPT_SERVE_CA_KEY:
        if (*arg == '\0')
            return tp_fail(err, TP_E_USAGE, "--serve-ca-key: empty file name");
        cfg->serve_ca_key = arg;
        return TP_OK;
    case OPT_CASES:
        cfg->serve_cases_given = true;
        return tp_cases_parse(arg, cfg->serve_cases, err);
    case OPT_CONNECTIONS:
        if (cli_parse_uint(arg, 1, 1000000u, &cfg->serve_connections) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--connections: expected 1-1000000, not '%s'", arg);
        return TP_OK;
    case OPT_SERVE_WAIT:
        if (cli_parse_duration_ms(arg, &cfg->serve_wait_ms) != TP_OK)
            return tp_fail(err, TP_E_USAGE,
                           "--serve-wait: invalid duration '%s' (e.g. 10s, 500ms; max 1h)", arg);
        return TP_OK;
    case OPT_WARN_DAYS:
        if (cli_parse_uint(arg, 0, MAX_WARN_DAYS, &cfg->warn_days) != TP_OK)
            return tp_fail(err, TP_E_USAGE, "--warn-days: expected 0-%u, not '%s'",
                           MAX_WARN_DAYS, arg);
        return TP_OK;
    default:
        return tp_fail(err, TP_E_INTERNAL, "option %d has no handler", id);
    }
}

/* --dtls: UDP has no plaintext upgrade, and what this build cannot yet
 * do over DTLS is refused rather than done over TCP by mistake. */
static tp_status check_dtls_conflicts(const struct tp_config *cfg, tp_error *err)
{
    if (!cfg->dtls) {
        if (cfg->mtu != 0)
            return tp_fail(err, TP_E_USAGE, "--mtu needs --dtls");
        return TP_OK;
    }
    if (cfg->starttls != TP_STARTTLS_NONE)
        return tp_fail(err, TP_E_USAGE,
                       "--dtls and --starttls cannot be used together (STARTTLS upgrades a "
                       "TCP stream)");
    if (cfg->tls_min != 0 || cfg->tls_max != 0)
        return tp_fail(err, TP_E_USAGE,
                       "--dtls cannot be combined with --tls-min/--tls-max (DTLS 1.2 and 1.0 "
                       "are offered; narrow them with --priority)");
    /* The DTLS scan sends one probe at a time, over no connection. */
    if (cfg->parallel_given)
        return tp_fail(err, TP_E_USAGE,
                       "--parallel means nothing with --dtls (its probes run one at a time)");
    if (cfg->max_connections != 0)
        return tp_fail(err, TP_E_USAGE,
                       "--max-connections means nothing with --dtls (UDP has no connections)");
    /* --timing over DTLS times the report's one handshake. */
    if (cfg->repeat != 0 || cfg->resume || cfg->capture)
        return tp_fail(err, TP_E_USAGE, "--dtls cannot be combined with --%s yet",
                       cfg->repeat != 0 ? "repeat" : cfg->resume ? "resume" : "capture");
    return TP_OK;
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
    if (cfg->key_file != NULL && cfg->cert_file == NULL)
        return tp_fail(err, TP_E_USAGE, "--key needs --cert");
    if ((cfg->psk_identity != NULL) != (cfg->psk_key != NULL))
        return tp_fail(err, TP_E_USAGE, "--psk-identity and --psk-key go together");
    /* The scan's knobs mean nothing without a scan: say so rather than
     * silently ignore them. */
    if (!cfg->enumerate) {
        if (cfg->parallel != 0)
            return tp_fail(err, TP_E_USAGE, "--parallel needs --enum");
        if (cfg->max_connections != 0)
            return tp_fail(err, TP_E_USAGE, "--max-connections needs --enum");
        if (cfg->delay_ms != 0)
            return tp_fail(err, TP_E_USAGE, "--delay needs --enum");
        if (cfg->policy != NULL)
            return tp_fail(err, TP_E_USAGE, "--policy needs --enum");
        if (cfg->no_vulns)
            return tp_fail(err, TP_E_USAGE, "--no-vulns needs --enum");
    }
    if (cfg->no_vulns && cfg->vulns)
        return tp_fail(err, TP_E_USAGE, "--vulns and --no-vulns cannot be used together");
    /* Probes are hand-built hellos; GnuTLS options shape only the report's
     * own handshake, and limiting the versions would hide what the scan is
     * for. */
    if (cfg->enumerate && (cfg->tls_min != 0 || cfg->tls_max != 0))
        return tp_fail(err, TP_E_USAGE,
                       "--enum cannot be combined with --tls-min/--tls-max (the scan tries "
                       "every version)");
    return check_dtls_conflicts(cfg, err);
}

/* --timing's knobs need --timing, the capture's need --capture, and
 * --read replaces the target: say so rather than silently ignore them. */
static tp_status check_timing_conflicts(const struct tp_config *cfg, tp_error *err)
{
    if (!cfg->timing) {
        if (cfg->repeat != 0)
            return tp_fail(err, TP_E_USAGE, "--repeat needs --timing");
        if (cfg->resume)
            return tp_fail(err, TP_E_USAGE, "--resume needs --timing");
        if (cfg->link != NULL)
            return tp_fail(err, TP_E_USAGE, "--link needs --timing");
        if (cfg->capture)
            return tp_fail(err, TP_E_USAGE, "--capture needs --timing");
    }
    if (!cfg->capture) {
        if (cfg->interface != NULL)
            return tp_fail(err, TP_E_USAGE, "-i needs --capture");
        if (cfg->write_file != NULL)
            return tp_fail(err, TP_E_USAGE, "-w needs --capture");
        if (cfg->capture_user != NULL)
            return tp_fail(err, TP_E_USAGE, "--user needs --capture");
    }
    if (cfg->timing && cfg->enumerate)
        return tp_fail(err, TP_E_USAGE, "--timing and --enum cannot be used together");
    if (cfg->timing && cfg->vulns)
        return tp_fail(err, TP_E_USAGE, "--timing and --vulns cannot be used together");
    /* Only the report's run asks for other chains; these two never do. */
    if (cfg->no_other_chains && (cfg->timing || cfg->read_file != NULL))
        return tp_fail(err, TP_E_USAGE,
                       "--no-other-chains means nothing with --%s, which asks for no other "
                       "chains",
                       cfg->timing ? "timing" : "read");
    return TP_OK;
}

/* --targets replaces HOST and runs each target as a run of its own: what
 * cannot be shared by many runs at once is refused, naming both options. */
static tp_status check_fleet_conflicts(int argc, char **argv, const struct tp_config *cfg,
                                       tp_error *err)
{
    if (cfg->targets_file == NULL) {
        if (cfg->jobs != 0)
            return tp_fail(err, TP_E_USAGE, "--jobs needs --targets");
        if (cfg->shard_count != 0)
            return tp_fail(err, TP_E_USAGE, "--shard needs --targets");
        return TP_OK;
    }
    if (optind < argc)
        return tp_fail(err, TP_E_USAGE, "HOST ('%s') and --targets cannot be used together",
                       argv[optind]);
    /* --read audits a file, not targets; the capture drops the process's
     * privileges, which the other targets' runs share. */
    if (cfg->read_file != NULL)
        return tp_fail(err, TP_E_USAGE, "--read and --targets cannot be used together");
    if (cfg->capture)
        return tp_fail(err, TP_E_USAGE, "--capture and --targets cannot be used together");
    /* A targets line's port defaults and starttls= are TCP's. */
    if (cfg->dtls)
        return tp_fail(err, TP_E_USAGE, "--dtls and --targets cannot be used together yet");
    return TP_OK;
}

static void apply_fleet_defaults(struct tp_config *cfg)
{
    if (cfg->targets_file != NULL && cfg->jobs == 0)
        cfg->jobs = TP_DEFAULT_JOBS;
}

/* --enum runs many probes: unless --timeout was given, it gets its own,
 * longer whole-run bound (TP_DEFAULT_ENUM_TIMEOUT_MS), and the defaults of
 * its knobs. */
static void apply_enum_defaults(struct tp_config *cfg)
{
    /* --vulns opens a few dozen connections, some waiting out a silence. */
    if (cfg->vulns && !cfg->enumerate && !cfg->timeout_given)
        cfg->timeout_ms = TP_DEFAULT_ENUM_TIMEOUT_MS;
    if (!cfg->enumerate)
        return;
    if (!cfg->timeout_given)
        cfg->timeout_ms = TP_DEFAULT_ENUM_TIMEOUT_MS;
    if (cfg->parallel == 0)
        cfg->parallel = TP_DEFAULT_PARALLEL;
    if (cfg->policy == NULL)
        cfg->policy = TP_DEFAULT_POLICY;
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

static bool is_option_id(int id)
{
    for (size_t i = 0; i < tp_options_count; i++)
        if (tp_options[i].id == id)
            return true;
    return false;
}

/* getopt_long sets optopt to the letter of an unknown short option (and then
 * argv[optind - 1] may be an earlier word: "-x4" leaves optind on "-x4"), to
 * the id of a long option given a value it does not take ("--json=1"), and
 * to 0 for an unknown or ambiguous long option. */
static tp_status bad_option(int id, char **argv, tp_error *err)
{
    const char *word = argv[optind - 1];
    if (id == ':')
        return tp_fail(err, TP_E_USAGE, "option '%s' needs an argument", word);
    if (optopt != 0 && !is_option_id(optopt))
        return tp_fail(err, TP_E_USAGE, "unknown option '-%c'", optopt);
    if (optopt != 0)
        return tp_fail(err, TP_E_USAGE, "option '%s' takes no argument", word);
    return tp_fail(err, TP_E_USAGE, "unknown option '%s'", word);
}

static tp_status parse_options(int argc, char **argv, struct tp_config *cfg,
                               bool *connect_timeout_set, tp_error *err)
{
    struct option *longopts = NULL;
    char *shortopts = NULL;
    if (build_getopt(&longopts, &shortopts) != TP_OK)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_status status = TP_OK;
    opterr = 0;
    /* 0, not 1: glibc then also forgets a half-read "-ab" cluster and its
     * permutation bookkeeping from an earlier parse. */
    optind = 0;
    int id;
    while (status == TP_OK && (id = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (id == '?' || id == ':') {
            status = bad_option(id, argv, err);
            continue;
        }
        if (id == OPT_CONNECT_TIMEOUT)
            *connect_timeout_set = true;
        status = apply_option(id, optarg, cfg, err);
    }
    free(longopts);
    free(shortopts);
    return status;
}

/* The HOST[:PORT] operand; with --starttls, a HOST without PORT means the
 * protocol's own port. */
static tp_status parse_host_operand(int argc, char **argv, struct tp_config *cfg, tp_error *err)
{
    if (optind >= argc)
        return tp_fail(err, TP_E_USAGE, "missing HOST[:PORT] (usage: %s)", tp_usage_line);
    if (argc - optind > 1)
        return tp_fail(err, TP_E_USAGE, "one target at a time; unexpected '%s'",
                       argv[optind + 1]);
    uint16_t default_port = cfg->starttls != TP_STARTTLS_NONE ? net_starttls_port(cfg->starttls)
                            : cfg->dtls                      ? TP_DEFAULT_DTLS_PORT
                                                              : TP_DEFAULT_PORT;
    return cli_parse_target(argv[optind], default_port, &cfg->host, &cfg->port, err);
}

/* --serve's knobs need --serve; --serve needs --hostname and takes no
 * HOST, nor anything that shapes a probe. */
static tp_status check_serve(int argc, char **argv, struct tp_config *cfg, tp_error *err)
{
    if (!cfg->serve) {
        const char *knob = cfg->hostname != NULL         ? "hostname"
                           : cfg->serve_ca != NULL       ? "serve-ca"
                           : cfg->serve_ca_key != NULL   ? "serve-ca-key"
                           : cfg->serve_cases_given      ? "cases"
                           : cfg->serve_connections != 0 ? "connections"
                           : cfg->serve_wait_ms != 0     ? "serve-wait"
                                                         : NULL;
        if (knob != NULL)
            return tp_fail(err, TP_E_USAGE, "--%s needs --serve", knob);
        return TP_OK;
    }
    if (optind < argc)
        return tp_fail(err, TP_E_USAGE, "--serve takes no HOST (unexpected '%s')",
                       argv[optind]);
    if (cfg->hostname == NULL)
        return tp_fail(err, TP_E_USAGE,
                       "--serve needs --hostname NAME (the name the device connects to)");
    if ((cfg->serve_ca != NULL) != (cfg->serve_ca_key != NULL))
        return tp_fail(err, TP_E_USAGE, "--serve-ca and --serve-ca-key go together");
    const char *other = cfg->read_file != NULL              ? "read"
                        : cfg->targets_file != NULL         ? "targets"
                        : cfg->enumerate                    ? "enum"
                        : cfg->timing                       ? "timing"
                        : cfg->cert_file != NULL            ? "cert"
                        : cfg->psk_identity != NULL         ? "psk-identity"
                        : cfg->sni != NULL                  ? "sni"
                        : cfg->alpn != NULL                 ? "alpn"
                        : cfg->priority != NULL             ? "priority"
                        : cfg->tls_min != 0                 ? "tls-min"
                        : cfg->tls_max != 0                 ? "tls-max"
                        : cfg->ca_file != NULL              ? "ca-file"
                        : cfg->family == TP_FAMILY_V4       ? "ipv4 (the address decides)"
                        : cfg->family == TP_FAMILY_V6       ? "ipv6 (the address decides)"
                                                            : NULL;
    if (other != NULL)
        return tp_fail(err, TP_E_USAGE, "--serve cannot be combined with --%s", other);
    if (cfg->starttls != TP_STARTTLS_NONE && !net_starttls_serve_supported(cfg->starttls)) {
        char names[128];
        net_starttls_serve_list(names, sizeof names);
        return tp_fail(err, TP_E_USAGE, "--serve --starttls %s: the server side speaks %s",
                       net_starttls_name(cfg->starttls), names);
    }
    if (!cfg->timeout_given)
        cfg->timeout_ms = TP_DEFAULT_SERVE_TIMEOUT_MS;
    if (cfg->serve_wait_ms == 0)
        cfg->serve_wait_ms = TP_DEFAULT_SERVE_WAIT_MS;
    return check_timing_conflicts(cfg, err);
}

tp_status cli_parse(int argc, char **argv, struct tp_config *cfg, tp_error *err)
{
    config_defaults(cfg);
    bool connect_timeout_set = false;
    TP_TRY(parse_options(argc, argv, cfg, &connect_timeout_set, err));
    if (cfg->action != TP_ACTION_REPORT)
        return TP_OK;
    TP_TRY(check_fleet_conflicts(argc, argv, cfg, err));
    TP_TRY(check_serve(argc, argv, cfg, err));
    if (cfg->serve)
        return TP_OK;
    if (cfg->read_file != NULL) {
        /* --read audits a file: no target, and nothing that shapes a probe. */
        if (optind < argc)
            return tp_fail(err, TP_E_USAGE, "--read takes no HOST (unexpected '%s')",
                           argv[optind]);
        if (cfg->vulns)
            return tp_fail(err, TP_E_USAGE, "--read cannot be combined with --vulns");
        if (cfg->timing || cfg->enumerate || cfg->starttls != TP_STARTTLS_NONE ||
            cfg->cert_file != NULL || cfg->psk_identity != NULL || cfg->dtls)
            return tp_fail(err, TP_E_USAGE, "--read cannot be combined with --%s",
                           cfg->timing              ? "timing"
                           : cfg->dtls              ? "dtls"
                           : cfg->enumerate         ? "enum"
                           : cfg->cert_file != NULL ? "cert"
                           : cfg->psk_identity != NULL ? "psk-identity"
                                                       : "starttls");
        return check_timing_conflicts(cfg, err);
    }
    if (cfg->targets_file == NULL)
        TP_TRY(parse_host_operand(argc, argv, cfg, err));
    /* A short --timeout alone also shortens the default connect timeout,
     * which the user did not choose, rather than conflict with it. */
    if (!connect_timeout_set && cfg->connect_timeout_ms > cfg->timeout_ms)
        cfg->connect_timeout_ms = cfg->timeout_ms;
    TP_TRY(check_conflicts(cfg, err));
    TP_TRY(check_timing_conflicts(cfg, err));
    apply_enum_defaults(cfg);
    apply_fleet_defaults(cfg);
    if (cfg->dtls && cfg->mtu == 0)
        cfg->mtu = TP_DEFAULT_DTLS_MTU;
    return TP_OK;
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

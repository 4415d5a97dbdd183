/* main.c: argv -> config -> run -> exit code. The only place that exits and
 * the only place that decides the exit status (see tlsprobe(1), EXIT STATUS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "grade/grade.h"
#include "net/net.h"
#include "report/model.h"
#include "report/render.h"
#include "tls/tls.h"
#include "util/clock.h"
#include "util/banned.h"

enum exit_code {
    EXIT_DONE = 0,
    EXIT_FINDINGS = 1,
    EXIT_USAGE = 2,
    EXIT_NETWORK = 3,
    EXIT_TLS = 4,
    EXIT_INTERNAL = 5,
};

/* The SNI to send: --sni, else the host name unless it is an IP literal
 * (RFC 6066 Sec. 3: literal IPv4 and IPv6 addresses are not permitted). */
static const char *choose_sni(const struct tp_config *cfg)
{
    if (cfg->no_sni)
        return NULL;
    if (cfg->sni != NULL)
        return cfg->sni;
    return net_is_ip_literal(cfg->host) ? NULL : cfg->host;
}

/* A network or TLS failure belongs to the step that was running; anything
 * else (out of memory, a bug) is internal. */
static enum tp_stage failure_stage(tp_status status, enum tp_stage current)
{
    switch (status) {
    case TP_E_RESOLVE:
    case TP_E_CONNECT:
    case TP_E_TIMEOUT:
    case TP_E_TLS:
        return current;
    default:
        return TP_STAGE_INTERNAL;
    }
}

/* Resolve, connect, handshake and grade; everything learned goes in report.
 * Returns the status of the step that stopped the run (TP_OK if none). */
static tp_status run_report(const struct tp_config *cfg, struct tp_report *report,
                            tp_error *err)
{
    tp_deadline deadline = tp_deadline_in_ms(cfg->timeout_ms);
    struct tp_addrlist addrs = {0};
    int fd = -1;
    size_t which = 0;
    const char *sni = choose_sni(cfg);
    enum tp_stage stage = TP_STAGE_RESOLVE;
    tp_status status;

    if ((status = tp_set_str(&report->target.host, cfg->host)) != TP_OK ||
        (status = tp_set_str(&report->target.sni, sni)) != TP_OK)
        goto out;
    report->target.port = cfg->port;

    status = net_resolve(cfg->host, cfg->port, cfg->family, deadline, &addrs, err);
    if (status != TP_OK)
        goto out;
    stage = TP_STAGE_CONNECT;
    status = net_connect_first(&addrs, cfg->connect_timeout_ms, deadline, report, &fd, &which,
                               err);
    if (status != TP_OK)
        goto out;
    report->target.family = addrs.items[which].family;
    if ((status = tp_set_str(&report->target.address, addrs.items[which].text)) != TP_OK)
        goto out;
    stage = TP_STAGE_TLS;
    status = tls_handshake_report(fd, cfg, sni, deadline, report, err);
    if (status != TP_OK)
        goto out;
    stage = TP_STAGE_NONE;
    status = grade_handshake(report, cfg, tp_wall_seconds());
out:
    if (status != TP_OK && status != TP_E_USAGE && report->failure.stage == TP_STAGE_NONE) {
        tp_status recorded = tp_report_set_failure(report, failure_stage(status, stage),
                                                   status, err->msg);
        if (recorded != TP_OK)
            status = recorded;
    }
    if (fd >= 0)
        close(fd);
    net_addrlist_finish(&addrs);
    return status;
}

static int exit_code_for(tp_status status, const struct tp_report *report,
                         const struct tp_config *cfg)
{
    switch (status) {
    case TP_OK:
        break;
    case TP_E_USAGE:
        return EXIT_USAGE;
    case TP_E_RESOLVE:
    case TP_E_CONNECT:
    case TP_E_TIMEOUT: /* at any step, the handshake included */
        return EXIT_NETWORK;
    case TP_E_TLS:
        return EXIT_TLS;
    default:
        return EXIT_INTERNAL;
    }
    int worst = tp_report_worst_severity(report);
    if (cfg->fail_on != TP_SEV_NONE && worst >= (int)cfg->fail_on)
        return EXIT_FINDINGS;
    return EXIT_DONE;
}

static bool want_colour(const struct tp_config *cfg)
{
    if (cfg->color == TP_COLOR_ALWAYS)
        return true;
    if (cfg->color == TP_COLOR_NEVER)
        return false;
    const char *no_color = getenv("NO_COLOR"); /* https://no-color.org */
    if (no_color != NULL && no_color[0] != '\0')
        return false;
    return isatty(STDOUT_FILENO) == 1;
}

int main(int argc, char **argv)
{
    struct tp_config cfg;
    struct tp_report report;
    tp_error err = {0};

    tp_report_init(&report);
    tp_status status = cli_parse(argc, argv, &cfg, &err);
    if (status != TP_OK) {
        fprintf(stderr, "tlsprobe: %s\n", err.msg);
        fprintf(stderr, "Try 'tlsprobe --help' for more information.\n");
        cli_config_finish(&cfg);
        return status == TP_E_USAGE ? EXIT_USAGE : EXIT_INTERNAL;
    }
    if (cfg.action == TP_ACTION_HELP) {
        cli_print_help(stdout);
        return EXIT_DONE;
    }
    if (cfg.action == TP_ACTION_VERSION) {
        cli_print_version(stdout);
        return EXIT_DONE;
    }

    uint64_t started = tp_now_ns();
    status = tls_global_init(&err);
    if (status == TP_OK)
        status = run_report(&cfg, &report, &err);
    report.elapsed_us = (tp_now_ns() - started) / 1000u;

    tp_status rendered = cfg.json ? render_json(stdout, &report, &cfg)
                                  : (status == TP_E_USAGE
                                         ? TP_OK
                                         : render_text(stdout, &report, &cfg, want_colour(&cfg)));
    if (status != TP_OK)
        fprintf(stderr, "tlsprobe: %s\n", err.msg[0] ? err.msg : tp_status_name(status));
    if (fflush(stdout) != 0 || rendered != TP_OK) {
        fprintf(stderr, "tlsprobe: could not write the report\n");
        status = status == TP_OK ? TP_E_IO : status;
    }
    int code = exit_code_for(status, &report, &cfg);
    tp_report_finish(&report);
    cli_config_finish(&cfg);
    tls_global_finish();
    return code;
}

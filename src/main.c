/* main.c: argv -> config -> run -> exit code. The only place that exits and
 * the only place that decides the exit status (see tlsprobe(1), EXIT STATUS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/model.h"
#include "report/render.h"
#include "run/run.h"
#include "serve/serve.h"
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
    bool streamed = false; /* --read wrote its report as it went */
    tp_status rendered = TP_OK;
    status = tls_global_init(&err);
    if (status == TP_OK)
        status = tls_check_ca_file(&cfg, &err);
    if (status == TP_OK)
        status = tls_check_credentials(&cfg, &err);
    if (status == TP_OK)
        status = cfg.serve ? serve_run(&cfg, &report, isatty(STDERR_FILENO) == 1, &err)
                 : cfg.read_file != NULL
                     ? run_audit(&cfg, &report, want_colour(&cfg), started, &streamed,
                                 &rendered, &err)
                 : cfg.timing ? run_timed(&cfg, &report, &err)
                              : run_report(&cfg, &report, &err);
    report.elapsed_us = (tp_now_ns() - started) / 1000u;

    /* A usage error prints no report, in JSON or text: nothing was run. */
    if (status != TP_E_USAGE && !streamed)
        rendered = cfg.json ? render_json(stdout, &report, &cfg)
                            : render_text(stdout, &report, &cfg, want_colour(&cfg));
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

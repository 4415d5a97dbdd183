/* main.c: argv -> config -> run -> exit code. The only place that exits and
 * the only place that decides the exit status (see tlsprobe(1), EXIT STATUS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/model.h"
#include "report/render.h"
#include "run/fleet.h"
#include "run/run.h"
#include "serve/serve.h"
#include "tls/tls.h"
#include "util/clock.h"
#include "util/trace.h"
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

/* --targets: the worst exit status over every target, in the order
 * 5 > 4 > 3 > 2 (a bad line in the file) > 1 > 0, which is the numbers'
 * own; a fleet that could not read its file or write its reports is 2
 * (the file cannot be opened) or 5. The summary goes to stderr. */
static int run_fleet_main(const struct tp_config *cfg, uint64_t started)
{
    struct fleet_hooks hooks = {.exit_status = exit_code_for, .colour = want_colour(cfg)};
    struct fleet_totals totals;
    tp_error err = {0};
    tp_status status = run_fleet(cfg, &hooks, stdout, &totals, &err);
    double elapsed = (double)(tp_now_ns() - started) / 1e9;
    if (status == TP_E_USAGE) { /* the file could not be opened: nothing ran */
        fprintf(stderr, "tlsprobe: %s\n", err.msg);
        return EXIT_USAGE;
    }
    int worst = EXIT_DONE;
    for (int code = 0; code < FLEET_EXIT_CODES; code++)
        if (totals.by_exit[code] > 0)
            worst = code;
    fprintf(stderr,
            "tlsprobe: %llu targets in %.3f s (%u jobs); by exit status: 0: %llu, 1: %llu, "
            "2: %llu, 3: %llu, 4: %llu, 5: %llu\n",
            (unsigned long long)totals.targets, elapsed, totals.jobs,
            (unsigned long long)totals.by_exit[0], (unsigned long long)totals.by_exit[1],
            (unsigned long long)totals.by_exit[2], (unsigned long long)totals.by_exit[3],
            (unsigned long long)totals.by_exit[4], (unsigned long long)totals.by_exit[5]);
    if (status == TP_OK)
        return worst;
    fprintf(stderr, "tlsprobe: %s\n", err.msg[0] ? err.msg : tp_status_name(status));
    return EXIT_INTERNAL;
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
    tp_trace("main: start");
    status = tls_global_init(&err);
    if (status == TP_OK)
        status = tls_check_ca_file(&cfg, &err);
    if (status == TP_OK)
        status = tls_check_credentials(&cfg, &err);
    if (cfg.targets_file != NULL) {
        /* A bad --ca-file or --cert fails every target alike: say it once. */
        int code = status == TP_OK ? run_fleet_main(&cfg, started)
                                   : exit_code_for(status, &report, &cfg);
        if (status != TP_OK)
            fprintf(stderr, "tlsprobe: %s\n", err.msg[0] ? err.msg : tp_status_name(status));
        tp_report_finish(&report);
        cli_config_finish(&cfg);
        tls_global_finish();
        return code;
    }
    if (status == TP_OK)
        status = cfg.serve ? serve_run(&cfg, &report, isatty(STDERR_FILENO) == 1, &err)
                 : cfg.read_file != NULL
                     ? run_audit(&cfg, &report, want_colour(&cfg), started, &streamed,
                                 &rendered, &err)
                 : cfg.timing ? run_timed(&cfg, &report, &err)
                              : run_report(&cfg, &report, &err);
    report.elapsed_us = (tp_now_ns() - started) / 1000u;

    /* A usage error prints no report, in JSON or text: nothing was run. */
    tp_trace("main: rendering");
    if (status != TP_E_USAGE && !streamed)
        rendered = cfg.json ? render_json(stdout, &report, &cfg)
                            : render_text(stdout, &report, &cfg, want_colour(&cfg));
    if (status != TP_OK)
        fprintf(stderr, "tlsprobe: %s\n", err.msg[0] ? err.msg : tp_status_name(status));
    if (fflush(stdout) != 0 || rendered != TP_OK) {
        fprintf(stderr, "tlsprobe: could not write the report\n");
        status = status == TP_OK ? TP_E_IO : status;
    }
    tp_trace("main: rendered");
    int code = exit_code_for(status, &report, &cfg);
    tp_report_finish(&report);
    cli_config_finish(&cfg);
    tls_global_finish();
    tp_trace("main: done");
    return code;
}

/* fleet.h: --targets: many targets, each the run a single HOST would get
 * (run_report or run_timed, with a config copy of its own), --jobs of them
 * at once, each written out as soon as it finishes (tlsprobe(1), FLEETS).
 *
 * The file is read a line at a time as job slots free up, so memory is
 * bounded by the targets in flight, not by the length of the list; output
 * is in completion order, each document naming its line. */
#ifndef TP_RUN_FLEET_H
#define TP_RUN_FLEET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/err.h"

#define FLEET_EXIT_CODES 6 /* 0..5, tlsprobe(1) EXIT STATUS */

struct fleet_hooks {
    /* The exit status a single run with this outcome would have (main()
     * decides it; the fleet only counts and reports it). */
    int (*exit_status)(tp_status status, const struct tp_report *report,
                       const struct tp_config *cfg);
    bool colour; /* text reports in colour */
};

struct fleet_totals {
    uint64_t targets;                   /* documents written, bad lines included */
    uint64_t bad_lines;
    uint64_t by_exit[FLEET_EXIT_CODES]; /* documents per exit status */
    uint32_t jobs;                      /* workers that ran */
};

/* Run every target of cfg->targets_file (of --shard's share) and write its
 * report to out. TP_OK when every line was read and every report written
 * (whatever the targets' own outcomes: see totals); TP_E_USAGE when the
 * file cannot be opened, TP_E_IO when reading or writing failed part-way. */
TP_MUST_CHECK tp_status run_fleet(const struct tp_config *cfg, const struct fleet_hooks *hooks,
                                  FILE *out, struct fleet_totals *totals, tp_error *err);

#endif

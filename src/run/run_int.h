/* run_int.h: what the run/ files share. */
#ifndef TP_RUN_INT_H
#define TP_RUN_INT_H

#include "cli/config.h"
#include "net/net.h"
#include "report/model.h"
#include "util/clock.h"
#include "util/err.h"

/* The SNI to send for cfg (NULL for none). */
const char *run_choose_sni(const struct tp_config *cfg);

/* target.host, .sni and .port from cfg (TP_E_NOMEM only). */
TP_MUST_CHECK tp_status run_fill_target(const struct tp_config *cfg, const char *sni,
                                        struct tp_report *report);

/* Record the report's failed handshake (hs_status) beside a scan; tolerated,
 * and TP_OK, when the scan found a version the server speaks; else
 * hs_status. */
TP_MUST_CHECK tp_status run_tolerate_handshake(struct tp_report *report, enum tp_stage stage,
                                               tp_status hs_status, bool scan_found_version,
                                               tp_error *err);

/* The stage a failure with status belongs to when current was running. */
enum tp_stage run_failure_stage(tp_status status, enum tp_stage current);

/* Record a failure in report unless one is recorded (or it is a usage
 * error, which prints no report); returns status, or the recording's own
 * failure. */
TP_MUST_CHECK tp_status run_note_failure(struct tp_report *report, tp_status status,
                                         enum tp_stage stage, const tp_error *err);

/* After the report's handshake failed with handshake_failure and no
 * --psk-key was given (run/psk_diag.c): one raw probe offering only TLS
 * 1.2 PSK suites. When the server selects one, it is PSK-only: the failure
 * message (report->failure and err) says so and suggests --psk-identity
 * and --psk-key, and the finding server-psk-only is added. Otherwise
 * nothing changes. TP_E_NOMEM only. */
TP_MUST_CHECK tp_status run_diagnose_psk_only(const struct tp_config *cfg,
                                              const struct tp_addr *addr, const char *sni,
                                              tp_deadline deadline, struct tp_report *report,
                                              tp_error *err);

/* --enum beside the report's handshake (run/enum.c). */
struct enum_task;
TP_MUST_CHECK tp_status enum_start(struct enum_task **task, const struct tp_config *cfg,
                                   const struct tp_addr *addr, const char *sni,
                                   tp_deadline deadline, struct tp_report *report, tp_error *err);
/* Wait for the scan, grade it and free the task (on every path). */
TP_MUST_CHECK tp_status enum_finish(struct enum_task *task, struct tp_report *report,
                                    tp_error *err);
/* The run stopped before its handshake (the connect failed) with the scan
 * started: wait for it, free the task and drop report->scan. */
void enum_abandon(struct enum_task *task, struct tp_report *report);

/* --vulns without --enum (run/vulns.c): the vulnerability checks into
 * report->vulns and their findings; nothing without --vulns. --enum runs
 * them itself, on the scan's thread after the scan (run/enum.c), and hands
 * them over with run_vulns_attach(): report->vulns takes vulns (heap, from
 * tp_vulns_init) and their findings are added, before the scan is graded
 * (they cap the grade). */
TP_MUST_CHECK tp_status run_vulns(const struct tp_config *cfg, const struct tp_addr *addr,
                                  const char *sni, tp_deadline deadline,
                                  struct tp_report *report, tp_error *err);
TP_MUST_CHECK tp_status run_vulns_attach(struct tp_report *report, struct tp_vulns *vulns,
                                         tp_error *err);

/* --enum: after a completed handshake with sni, find whether the server
 * refuses hellos without it (run/sni.c): a finding when it does. */
TP_MUST_CHECK tp_status run_check_sni(const struct tp_config *cfg, const struct tp_addr *addr,
                                      const char *sni, tp_deadline deadline,
                                      struct tp_report *report);

/* After the report's completed handshake: the server's certificates for
 * the key types it did not send, each in report->other_chains (run/chains.c).
 * A server that cannot be reached again or refuses an offer ends the
 * search, not the run: TP_E_NOMEM only. */
TP_MUST_CHECK tp_status run_other_chains(const struct tp_config *cfg, const struct tp_addr *addr,
                                         const char *sni, tp_deadline deadline,
                                         struct tp_report *report);

/* --dtls: the report over UDP (run/dtls.c); run_report() hands over. */
TP_MUST_CHECK tp_status run_dtls_report(const struct tp_config *cfg, struct tp_report *report,
                                        tp_error *err);

#endif

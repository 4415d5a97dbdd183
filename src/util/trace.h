/* trace.h: TLSPROBE_TRACE, a developer's aid (not a user-facing option):
 * when the variable is set, the scan's runner, the vulnerability checks and
 * the report's steps write one line each to stderr with their span in ms
 * since the run began, to find the critical path of a run behind a slow
 * link. Off, it costs one cached test. */
#ifndef TP_UTIL_TRACE_H
#define TP_UTIL_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* TLSPROBE_TRACE is set (read once). */
bool tp_tracing(void);
/* ms since the first call (call it first at the run's start). */
uint64_t tp_trace_ms(void);
/* One "trace ..." line on stderr when tracing. */
void tp_trace(const char *fmt, ...) TP_PRINTF(1, 2);

#endif

/* trace.c: TLSPROBE_TRACE (trace.h). */
#include "util/trace.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/clock.h"

#include "util/banned.h"

static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static bool trace_on;
static uint64_t trace_epoch_ns;

static void trace_init(void)
{
    trace_on = getenv("TLSPROBE_TRACE") != NULL; /* NOLINT(concurrency-mt-unsafe): once */
    trace_epoch_ns = tp_now_ns();
}

bool tp_tracing(void)
{
    pthread_once(&trace_once, trace_init);
    return trace_on;
}

uint64_t tp_trace_ms(void)
{
    pthread_once(&trace_once, trace_init);
    return (tp_now_ns() - trace_epoch_ns) / 1000000u;
}

void tp_trace(const char *fmt, ...)
{
    if (!tp_tracing())
        return;
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "trace %6llu %s\n", (unsigned long long)tp_trace_ms(), line);
}

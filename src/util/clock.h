/* clock.h: monotonic time and deadlines. One overall deadline bounds every
 * network path (DNS included); each step takes the smaller of its own budget
 * and what is left of that deadline. */
#ifndef TP_CLOCK_H
#define TP_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Monotonic nanoseconds (CLOCK_MONOTONIC). */
uint64_t tp_now_ns(void);

typedef struct tp_deadline {
    uint64_t at_ns; /* 0 = no deadline */
} tp_deadline;

tp_deadline tp_deadline_in_ms(uint64_t ms);

/* Milliseconds left (0 when passed; UINT32_MAX-ish cap when unbounded). */
uint32_t tp_deadline_left_ms(tp_deadline d);
bool tp_deadline_passed(tp_deadline d);

/* The earlier of d and now + ms. */
tp_deadline tp_deadline_min_ms(tp_deadline d, uint64_t ms);

/* Seconds since the epoch (wall clock), for certificate validity. */
int64_t tp_wall_seconds(void);

#endif

#include "util/clock.h"

#include <time.h>

#include "util/banned.h"

#define UNBOUNDED_MS 0x7fffffffu

uint64_t tp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

tp_deadline tp_deadline_in_ms(uint64_t ms)
{
    return (tp_deadline){.at_ns = tp_now_ns() + ms * 1000000u};
}

uint32_t tp_deadline_left_ms(tp_deadline d)
{
    if (d.at_ns == 0)
        return UNBOUNDED_MS;
    uint64_t now = tp_now_ns();
    if (now >= d.at_ns)
        return 0;
    uint64_t left = (d.at_ns - now + 999999u) / 1000000u;
    return left > UNBOUNDED_MS ? UNBOUNDED_MS : (uint32_t)left;
}

bool tp_deadline_passed(tp_deadline d)
{
    return d.at_ns != 0 && tp_now_ns() >= d.at_ns;
}

tp_deadline tp_deadline_min_ms(tp_deadline d, uint64_t ms)
{
    tp_deadline other = tp_deadline_in_ms(ms);
    if (d.at_ns == 0 || other.at_ns < d.at_ns)
        return other;
    return d;
}

int64_t tp_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

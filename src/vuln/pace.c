/* pace.c: the waits and the pool size of the vulnerability checks (pace.h). */
#include "vuln/pace.h"

#include "scan/plan.h"

#include "util/banned.h"

uint32_t vuln_silence_ms(uint32_t rtt_ms, uint32_t answer_ms)
{
    uint64_t t = (uint64_t)VULN_SILENCE_RTTS * rtt_ms;
    if (t < 2ull * answer_ms)
        t = 2ull * answer_ms;
    if (t < VULN_SILENCE_FLOOR_MS)
        t = VULN_SILENCE_FLOOR_MS;
    if (t > PLAN_MAX_TIMEOUT_MS)
        t = PLAN_MAX_TIMEOUT_MS;
    return (uint32_t)t;
}

uint32_t vuln_patience_ms(uint32_t rtt_ms, uint32_t flight_ms)
{
    return plan_probe_timeout_ms(true, rtt_ms, flight_ms);
}

uint32_t vuln_min_rtt(bool have, uint32_t known_ms, uint32_t seen_ms)
{
    return have && known_ms < seen_ms ? known_ms : seen_ms;
}

unsigned vuln_pool_size(unsigned parallel, size_t n_checks)
{
    unsigned n = VULN_POOL_MAX;
    if (parallel != 0 && parallel < n)
        n = parallel;
    if (n_checks < n)
        n = (unsigned)n_checks;
    return n == 0 ? 1 : n;
}

struct robot_step vuln_robot_step(unsigned rounds_done, bool uniform, bool silent,
                                  bool answered)
{
    struct robot_step s = {false, 0, 0};
    if (rounds_done == 1)
        s.another = !uniform || (silent && !answered);
    else if (rounds_done == 2)
        s.another = true;
    else
        s.first = 1, s.second = 2;
    return s;
}

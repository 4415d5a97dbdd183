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

uint32_t vuln_flight_wait_ms(uint32_t rtt_ms)
{
    uint64_t t = (uint64_t)VULN_QUEUE_RTTS * rtt_ms;
    return t > PLAN_INITIAL_TIMEOUT_MS ? (uint32_t)(t > UINT32_MAX ? UINT32_MAX : t)
                                       : PLAN_INITIAL_TIMEOUT_MS;
}

uint32_t vuln_patience_ms(uint32_t rtt_ms, uint32_t flight_ms)
{
    return plan_probe_timeout_ms(true, rtt_ms, flight_ms);
}

uint32_t vuln_min_rtt(bool have, uint32_t known_ms, uint32_t seen_ms)
{
    return have && known_ms < seen_ms ? known_ms : seen_ms;
}

unsigned vuln_parallel(bool given, unsigned parallel)
{
    return given ? parallel : 0;
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

unsigned vuln_vector_batch(unsigned parallel)
{
    return parallel != 0 && parallel < 5u ? parallel : 5u;
}

void vuln_gate_init(struct vuln_gate *g, uint32_t max_connections, uint32_t used,
                    uint32_t delay_ms)
{
    g->limited = max_connections != 0;
    g->left = used < max_connections ? max_connections - used : 0;
    g->delay_ms = delay_ms;
    g->next_ns = 0;
}

bool vuln_gate_take(struct vuln_gate *g, uint64_t now_ns, uint64_t *start_ns)
{
    if (g->limited) {
        if (g->left == 0)
            return false;
        g->left--;
    }
    *start_ns = g->next_ns > now_ns ? g->next_ns : now_ns;
    g->next_ns = *start_ns + (uint64_t)g->delay_ms * 1000000u;
    return true;
}

bool vuln_robot_first_patient(bool answered)
{
    return !answered;
}

struct robot_step vuln_robot_step(unsigned rounds_done, bool uniform, bool first_patient)
{
    struct robot_step s = {false, 0, 0};
    if (rounds_done == 1)
        s.another = !uniform;
    else if (rounds_done == 2 && first_patient)
        s.second = 1;
    else if (rounds_done == 2)
        s.another = true;
    else
        s.first = 1, s.second = 2;
    return s;
}

/* test_poison.c: the bookkeeping for poisoned picks (scan/plan.h): which
 * refusals are suspect, the key-exchange families, the split decisions, and
 * elimination driven to the end against simulated servers that select a
 * suite and then abandon it, without sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scan/plan.h"
#include "wire/registry.h"
#include "util/banned.h"

static void test_suspicious_refusals(void **state)
{
    (void)state;
    assert_true(plan_refusal_suspicious(-1)); /* close, reset */
    assert_true(plan_refusal_suspicious(80)); /* internal_error */
    assert_true(plan_refusal_suspicious(47)); /* illegal_parameter */
    assert_true(plan_refusal_suspicious(50)); /* decode_error */
    assert_false(plan_refusal_suspicious(40)); /* handshake_failure */
    assert_false(plan_refusal_suspicious(71)); /* insufficient_security */
    assert_false(plan_refusal_suspicious(70)); /* protocol_version */
}

static void test_families(void **state)
{
    (void)state;
    assert_int_equal(plan_kx_family(0xC02F), PLAN_KX_ECDHE); /* ECDHE_RSA_AES_128_GCM */
    assert_int_equal(plan_kx_family(0xC02B), PLAN_KX_ECDHE); /* ECDHE_ECDSA_AES_128_GCM */
    assert_int_equal(plan_kx_family(0x009E), PLAN_KX_DHE);   /* DHE_RSA_AES_128_GCM */
    assert_int_equal(plan_kx_family(0x0032), PLAN_KX_DHE);   /* DHE_DSS_AES_128_CBC */
    assert_int_equal(plan_kx_family(0x002F), PLAN_KX_RSA);   /* RSA_AES_128_CBC */
    assert_int_equal(plan_kx_family(0xC004), PLAN_KX_STATIC_DH); /* ECDH_ECDSA_AES_128_CBC */
    assert_int_equal(plan_kx_family(0x0031), PLAN_KX_STATIC_DH); /* DH_RSA_AES_128_CBC */
    assert_int_equal(plan_kx_family(0x008C), PLAN_KX_OTHER); /* PSK_AES_128_CBC */
    assert_int_equal(plan_kx_family(0xC035), PLAN_KX_OTHER); /* ECDHE_PSK_AES_128_CBC */
    assert_int_equal(plan_kx_family(0x0034), PLAN_KX_OTHER); /* DH_anon_AES_128_CBC */
    assert_int_equal(plan_kx_family(0x1301), PLAN_KX_OTHER); /* TLS 1.3 */
    assert_int_equal(plan_kx_family(0x0A0A), PLAN_KX_OTHER); /* GREASE */
    for (int f = 0; f < PLAN_KX_COUNT; f++)
        assert_non_null(plan_kx_family_name((enum plan_kx_family)f));
}

/* The parts of a split are disjoint and cover the offer. */
static void assert_partition(const struct plan_split *sp, const uint16_t *codes, size_t n)
{
    size_t total = 0;
    for (size_t p = 0; p < sp->n_parts; p++) {
        size_t m;
        const uint16_t *part = plan_split_part(sp, p, &m);
        assert_true(m > 0);
        for (size_t i = 0; i < m; i++)
            assert_true(plan_elim_contains(codes, n, part[i]));
        total += m;
    }
    assert_int_equal(total, n);
    for (size_t i = 0; i < total; i++)
        for (size_t k = i + 1; k < total; k++)
            assert_int_not_equal(sp->codes[i], sp->codes[k]);
}

static void test_split_by_family(void **state)
{
    (void)state;
    const uint16_t mixed[] = {0x009E, 0xC02F, 0x002F, 0x0033, 0xC030, 0x008C, 0xC004};
    size_t n = sizeof mixed / sizeof mixed[0];
    static struct plan_split sp;
    plan_poison_split(mixed, n, 0, PLAN_STYLE_UNKNOWN, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_FAMILIES);
    assert_int_equal(sp.n_parts, 5);
    assert_partition(&sp, mixed, n);
    for (size_t p = 0; p < sp.n_parts; p++) {
        size_t m;
        const uint16_t *part = plan_split_part(&sp, p, &m);
        for (size_t i = 1; i < m; i++)
            assert_int_equal(plan_kx_family(part[i]), plan_kx_family(part[0]));
    }
    size_t m;
    const uint16_t *ecdhe = plan_split_part(&sp, 0, &m);
    assert_int_equal(m, 2); /* offer order kept inside a part */
    assert_int_equal(ecdhe[0], 0xC02F);
    assert_int_equal(ecdhe[1], 0xC030);
    /* Out of range: empty. */
    plan_split_part(&sp, 9, &m);
    assert_int_equal(m, 0);
}

static void test_split_decisions(void **state)
{
    (void)state;
    const uint16_t dhe[] = {0x009E, 0x0033, 0x0039, 0x009F, 0x0067};
    static struct plan_split sp;
    /* One family at level 0: as deep as a family part. */
    plan_poison_split(dhe, 5, 0, PLAN_STYLE_UNKNOWN, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_NEED_STYLE);
    plan_poison_split(dhe, 5, 1, PLAN_STYLE_UNKNOWN, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_NEED_STYLE);
    /* A server that closes on every refusal: a death is a refusal. */
    plan_poison_split(dhe, 5, 1, PLAN_STYLE_CLOSES, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_GIVE_UP);
    assert_int_equal(sp.n_parts, 0);
    /* One that refuses cleanly: halves, then the culprit. */
    plan_poison_split(dhe, 5, 1, PLAN_STYLE_CLEAN, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_HALVES);
    assert_int_equal(sp.n_parts, 2);
    assert_int_equal(sp.part_len[0], 2);
    assert_int_equal(sp.part_len[1], 3);
    assert_partition(&sp, dhe, 5);
    plan_poison_split(dhe + 1, 1, 4, PLAN_STYLE_CLEAN, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_CULPRIT);
    assert_int_equal(sp.codes[0], 0x0033);
    /* Bounded depth, and nothing to split. */
    plan_poison_split(dhe, 5, PLAN_SPLIT_MAX_LEVEL, PLAN_STYLE_CLEAN, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_GIVE_UP);
    plan_poison_split(dhe, 0, 0, PLAN_STYLE_CLEAN, &sp);
    assert_int_equal(sp.step, PLAN_SPLIT_GIVE_UP);
}

static void test_elim_answers(void **state)
{
    (void)state;
    const uint16_t codes[] = {0xC02F, 0x009E, 0x002F};
    struct plan_elim e;
    plan_elim_init(&e, codes, 3);
    /* A ServerHello named 0x009E, then the flight died: broken, not picked. */
    plan_elim_answer(&e, PLAN_ANSWER_PICK_DIED, 0x009E, "alert");
    assert_int_equal(e.state, PLAN_ELIM_RUNNING);
    assert_int_equal(e.n_broken, 1);
    assert_int_equal(e.broken[0], 0x009E);
    assert_int_equal(e.n_picked, 0);
    assert_int_equal(e.n_remaining, 2);
    assert_false(plan_elim_contains(e.remaining, e.n_remaining, 0x009E));
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0xC02F, NULL);
    /* A suspicious end keeps the rest for the split. */
    plan_elim_answer(&e, PLAN_ANSWER_DIED, 0, "connection closed without an alert");
    assert_int_equal(e.state, PLAN_ELIM_DIED);
    assert_int_equal(e.n_remaining, 1);
    assert_int_equal(e.remaining[0], 0x002F);
    assert_string_equal(e.why, "connection closed without an alert");
    /* A dead pick that was not offered: incomplete. */
    plan_elim_init(&e, codes, 3);
    plan_elim_answer(&e, PLAN_ANSWER_PICK_DIED, 0x1301, NULL);
    assert_int_equal(e.state, PLAN_ELIM_INCOMPLETE);
    /* A version probe: the first clean pick ends it. */
    plan_elim_init(&e, codes, 3);
    e.first_pick_only = true;
    plan_elim_answer(&e, PLAN_ANSWER_PICK_DIED, 0x009E, NULL);
    assert_int_equal(e.state, PLAN_ELIM_RUNNING);
    plan_elim_answer(&e, PLAN_ANSWER_PICK, 0x002F, NULL);
    assert_int_equal(e.state, PLAN_ELIM_DONE);
    assert_int_equal(e.n_picked, 1);
}

/* ---- elimination driven to the end against simulated servers ---- */

struct sim {
    const uint16_t *pref;     /* the server's order */
    size_t n_pref;
    const uint16_t *poisoned; /* selected, then the connection dies */
    size_t n_poisoned;
    bool refuses_by_close;    /* no common suite: a close (Dovecot) or alert 40 */
};

/* One probe: the answer to offering codes, as the engine would read it. */
static enum plan_answer sim_answer(const struct sim *s, const uint16_t *codes, size_t n,
                                   uint16_t *pick)
{
    for (size_t i = 0; i < s->n_pref; i++) {
        if (!plan_elim_contains(codes, n, s->pref[i]))
            continue;
        *pick = s->pref[i];
        return plan_elim_contains(s->poisoned, s->n_poisoned, *pick) ? PLAN_ANSWER_DIED
                                                                     : PLAN_ANSWER_PICK;
    }
    return s->refuses_by_close ? PLAN_ANSWER_DIED : PLAN_ANSWER_REFUSED;
}

struct sim_result {
    uint16_t found[64], broken[64];
    size_t n_found, n_broken, probes;
};

/* The engine's loop without sockets: eliminations over a work list of
 * parts, each death split (scan.c follow_up does this per round). */
static void sim_scan(const struct sim *s, const uint16_t *cand, size_t n, struct sim_result *r)
{
    static struct plan_elim queue[64];
    static unsigned level[64];
    static struct plan_split sp;
    size_t head = 0, tail = 0;
    memset(r, 0, sizeof *r);
    plan_elim_init(&queue[tail], cand, n);
    level[tail++] = 0;
    /* How the server refuses: one probe offering a suite nobody selects. */
    uint16_t grease = 0x0A0A, unused;
    enum plan_style style = sim_answer(s, &grease, 1, &unused) == PLAN_ANSWER_REFUSED
                                ? PLAN_STYLE_CLEAN
                                : PLAN_STYLE_CLOSES;
    r->probes++;
    while (head < tail) {
        struct plan_elim *e = &queue[head];
        unsigned lv = level[head++];
        while (e->state == PLAN_ELIM_RUNNING) {
            uint16_t pick = 0;
            enum plan_answer a = sim_answer(s, e->remaining, e->n_remaining, &pick);
            r->probes++;
            if (a == PLAN_ANSWER_PICK)
                r->found[r->n_found++] = pick;
            plan_elim_answer(e, a, pick, NULL);
        }
        if (e->state != PLAN_ELIM_DIED)
            continue;
        plan_poison_split(e->remaining, e->n_remaining, lv, style, &sp);
        if (sp.step == PLAN_SPLIT_CULPRIT)
            r->broken[r->n_broken++] = sp.codes[0];
        if (sp.step != PLAN_SPLIT_FAMILIES && sp.step != PLAN_SPLIT_HALVES)
            continue;
        for (size_t p = 0; p < sp.n_parts; p++) {
            size_t m;
            const uint16_t *part = plan_split_part(&sp, p, &m);
            assert_true(tail < 64);
            plan_elim_init(&queue[tail], part, m);
            level[tail++] = lv + 1;
        }
    }
}

static bool same_set(const uint16_t *a, size_t na, const uint16_t *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!plan_elim_contains(b, nb, a[i]))
            return false;
    return true;
}

static void test_simulated_dovecot(void **state)
{
    (void)state;
    static uint16_t cand[PLAN_MAX_CODES];
    size_t n = plan_suite_candidates(TP_VER_TLS12, cand, PLAN_MAX_CODES);
    /* DHE first in the server's order, DHE poisoned (no ssl_dh). */
    const uint16_t pref[] = {0x009E, 0xC02F, 0x0033, 0x002F, 0xC030, 0x009C};
    const uint16_t poisoned[] = {0x009E, 0x0033};
    const uint16_t good[] = {0xC02F, 0x002F, 0xC030, 0x009C};
    struct sim s = {pref, 6, poisoned, 2, false};
    struct sim_result r;

    /* Refusing cleanly: every good suite, and both culprits by name. */
    sim_scan(&s, cand, n, &r);
    assert_true(same_set(r.found, r.n_found, good, 4));
    assert_true(same_set(r.broken, r.n_broken, poisoned, 2));
    /* 1 style + 1 death + 5 families (3 final refusals, 2 picks... ) and
     * two halvings down a DHE family of ~45: tens, not hundreds. */
    assert_true(r.probes < 40);

    /* Closing on every refusal, as Dovecot does: the good suites still,
     * and no suite named broken on a close that may be a refusal. */
    s.refuses_by_close = true;
    sim_scan(&s, cand, n, &r);
    assert_true(same_set(r.found, r.n_found, good, 4));
    assert_int_equal(r.n_broken, 0);
    assert_true(r.probes < 20);

    /* A healthy server pays nothing: picks plus one refusal (and the style
     * probe this simulation always sends). */
    struct sim healthy = {good, 4, NULL, 0, false};
    sim_scan(&healthy, cand, n, &r);
    assert_true(same_set(r.found, r.n_found, good, 4));
    assert_int_equal(r.probes, 1 + 4 + 1);
}

static void test_simulated_cert_mismatch(void **state)
{
    (void)state;
    static uint16_t cand[PLAN_MAX_CODES];
    size_t n = plan_suite_candidates(TP_VER_TLS12, cand, PLAN_MAX_CODES);
    /* A buggy server picks an ECDSA suite with only an RSA certificate:
     * the poison sits inside the ECDHE family, behind its good suites. */
    const uint16_t pref[] = {0xC02B, 0xC02F, 0xC030, 0x002F};
    const uint16_t poisoned[] = {0xC02B};
    const uint16_t good[] = {0xC02F, 0xC030, 0x002F};
    struct sim s = {pref, 4, poisoned, 1, false};
    struct sim_result r;
    sim_scan(&s, cand, n, &r);
    assert_true(same_set(r.found, r.n_found, good, 3));
    assert_int_equal(r.n_broken, 1);
    assert_int_equal(r.broken[0], 0xC02B);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suspicious_refusals),
        cmocka_unit_test(test_families),
        cmocka_unit_test(test_split_by_family),
        cmocka_unit_test(test_split_decisions),
        cmocka_unit_test(test_elim_answers),
        cmocka_unit_test(test_simulated_dovecot),
        cmocka_unit_test(test_simulated_cert_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

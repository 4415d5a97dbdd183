/* robot.c: ROBOT, the Return Of Bleichenbacher's Oracle Threat (Böck,
 * Somorovsky, Young, USENIX Security 2018; CVE-2017-13099 and others per
 * implementation). A server whose answers to RSA key exchanges differ with
 * the PKCS#1 v1.5 padding of the premaster secret lets an attacker decrypt
 * or sign with its key.
 *
 * The probe follows the paper's published check (robot-detect) and
 * testssl.sh: a hello offering only static RSA key transport suites, the
 * server's certificate from its flight, then five ClientKeyExchange
 * messages, each on its own connection, with premaster secrets padded as
 *   1. correct: 00 02 <nonzero> 00 03 03 <46 random bytes>
 *   2. wrong first bytes: 41 17 ...
 *   3. the 00 separator at the wrong place (two bytes from the end)
 *   4. no 00 separator at all
 *   5. correct padding, wrong version inside (02 02)
 * encrypted with the server's key (raw RSA, m^e mod n, with GMP: no TLS
 * library makes wrong padding on purpose), each followed by a
 * ChangeCipherSpec and a Finished that cannot verify. A fixed server
 * answers all five alike (usually bad_record_mac, then a close). Responses
 * are compared by kind only (the alert, then close, reset or silence):
 * timing is not used. When the five agree, the same is tried without the
 * ChangeCipherSpec and Finished (the paper's second variant: some oracles
 * show only there). Any difference is asked again; only a difference that
 * repeats is called vulnerable, one that does not is unknown. The five
 * vectors of a round run side by side; the first round decides a silence
 * quickly, the rounds that confirm a difference wait patiently, so a slow
 * answer is never taken for a silence (vuln/pace.h). No key is
 * recovered: that needs tens of thousands of connections. */
#include "vuln/checks.h"

#include <gmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "scan/plan.h"
#include "tls/vuln_tls.h"
#include "vuln/pace.h"
#include "wire/alert.h"
#include "wire/record.h"
#include "wire/registry.h"
#include "util/trace.h"

#include "util/banned.h"

/* RSA moduli handled: 512 to 8192 bits. */
#define ROBOT_MIN_BYTES 64u
#define ROBOT_MAX_BYTES 1024u
#define FINISHED_GARBAGE 64u

struct rsa_key {
    uint8_t *n, *e;
    size_t n_len, e_len;
};

static bool static_rsa(uint16_t code)
{
    return plan_kx_family(code) == PLAN_KX_RSA;
}

/* Random bytes, none of them zero (PKCS#1 v1.5 padding string, RFC 8017
 * Sec. 7.2.1). */
static bool nonzero_random(uint8_t *p, size_t n)
{
    if (getrandom(p, n, 0) != (ssize_t)n)
        return false;
    for (size_t i = 0; i < n; i++)
        while (p[i] == 0)
            if (getrandom(&p[i], 1, 0) != 1)
                return false;
    return true;
}

/* The plaintext block of vector v (0-based) for a k-byte modulus; the
 * correct version inside is the hello's client_version. */
static bool robot_block(unsigned v, uint16_t version, uint8_t *m, size_t k)
{
    size_t pad = k - 3 - 48;
    if (!nonzero_random(m, k))
        return false;
    m[0] = 0x00;
    m[1] = 0x02;
    switch (v) {
    case 0: /* correct */
        m[2 + pad] = 0x00;
        m[3 + pad] = (uint8_t)(version >> 8);
        m[4 + pad] = (uint8_t)version;
        break;
    case 1: /* wrong first two bytes */
        m[0] = 0x41;
        m[1] = 0x17;
        m[2 + pad] = 0x00;
        m[3 + pad] = (uint8_t)(version >> 8);
        m[4 + pad] = (uint8_t)version;
        break;
    case 2: /* 00 in a wrong position */
        m[2 + pad] = 0x11;
        m[k - 2] = 0x00;
        m[k - 1] = 0x11;
        break;
    case 3: /* no 00 separator */
        m[2 + pad] = 0x11;
        m[3 + pad] = 0x11;
        m[4 + pad] = 0x11;
        break;
    default: /* wrong version */
        m[2 + pad] = 0x00;
        m[3 + pad] = 0x02;
        m[4 + pad] = 0x02;
        break;
    }
    return true;
}

/* c = m^e mod n, written as k bytes big-endian. */
static void rsa_raw(const struct rsa_key *key, const uint8_t *m, uint8_t *c, size_t k)
{
    mpz_t zm, ze, zn, zc;
    mpz_inits(zm, ze, zn, zc, NULL);
    mpz_import(zm, k, 1, 1, 1, 0, m);
    mpz_import(ze, key->e_len, 1, 1, 1, 0, key->e);
    mpz_import(zn, key->n_len, 1, 1, 1, 0, key->n);
    mpz_powm(zc, zm, ze, zn);
    size_t bytes = (mpz_sizeinbase(zc, 2) + 7) / 8;
    memset(c, 0, k);
    if (bytes <= k)
        mpz_export(c + (k - bytes), NULL, 1, 1, 1, 0, zc);
    mpz_clears(zm, ze, zn, zc, NULL);
}

/* ClientKeyExchange (RFC 5246 Sec. 7.4.7.1: encrypted_pms<0..2^16-1>),
 * then with finish a ChangeCipherSpec and a Finished record of garbage. */
static void robot_flight(tp_writer *wr, uint16_t version, const uint8_t *c, size_t k, bool finish)
{
    tp_wr_u8(wr, TP_CT_HANDSHAKE);
    tp_wr_u16(wr, version);
    tp_wr_mark rec = tp_wr_begin_u16(wr);
    tp_wr_u8(wr, 16); /* client_key_exchange */
    tp_wr_mark body = tp_wr_begin_u24(wr);
    tp_wr_mark vec = tp_wr_begin_u16(wr);
    tp_wr_bytes(wr, c, k);
    tp_wr_end(wr, vec);
    tp_wr_end(wr, body);
    tp_wr_end(wr, rec);
    if (finish) {
        static const uint8_t one[1] = {1};
        static const uint8_t garbage[FINISHED_GARBAGE];
        tp_record_write(wr, TP_CT_CHANGE_CIPHER_SPEC, version, one, 1, 0);
        tp_record_write(wr, TP_CT_HANDSHAKE, version, garbage, sizeof garbage, 0);
    }
}

static bool never_enough(const tp_reply *reply, void *arg)
{
    (void)reply;
    (void)arg;
    return false;
}

/* The response class: the first alert, and how the connection ended. */
static void response_class(const tp_reply *reply, enum reply_end end, char *out, size_t size)
{
    const char *how = end == REPLY_CLOSED ? "close" : end == REPLY_RESET ? "reset" : "silence";
    if (reply->malformed)
        vuln_strf(out, size, "malformed reply, %s", how);
    else if (reply->has_alert)
        vuln_strf(out, size, "alert %s (%u), %s",
                 tp_alert_name(reply->alert.description) != NULL
                     ? tp_alert_name(reply->alert.description)
                     : "unassigned",
                 reply->alert.description, how);
    else
        vuln_strf(out, size, "%zu records, %s", reply->records, how);
}

/* The vector's key exchange (and with finish its ChangeCipherSpec and
 * Finished) in records of record_version, the premaster's version being
 * the hello's client_version, into wr. */
static bool robot_records(const struct rsa_key *key, unsigned v, uint16_t record_version,
                          uint16_t client_version, bool finish, tp_writer *wr, char *why,
                          size_t why_size)
{
    uint8_t m[ROBOT_MAX_BYTES], ct[ROBOT_MAX_BYTES];
    size_t k = key->n_len;
    if (!robot_block(v, client_version, m, k)) {
        vuln_strf(why, why_size, "getrandom failed");
        return false;
    }
    rsa_raw(key, m, ct, k);
    robot_flight(wr, record_version, ct, k, finish);
    if (tp_wr_status(wr) != TP_OK) {
        vuln_strf(why, why_size, "out of memory");
        return false;
    }
    return true;
}

/* Read the answer to the vector's records until a close, a reset or the
 * wait, and classify it. */
static void robot_answer(struct vuln_ctx *ctx, struct conv *c, uint32_t wait_ms,
                         char cls[ROBOT_CLASS_LEN])
{
    tp_reply reply;
    enum reply_end end = conv_read_reply(c, ctx, wait_ms, never_enough, NULL, &reply);
    response_class(&reply, end, cls, ROBOT_CLASS_LEN);
}

/* One vector as the conversation goes: hello, the server's flight, then
 * our records. false when the connection failed before they could be sent
 * (why in detail). wait_ms is CONV_WAIT_SILENCE or CONV_WAIT_PATIENT
 * (vuln/pace.h). */
static bool robot_try_stepwise(struct vuln_ctx *ctx, const struct rsa_key *key, unsigned v,
                               bool finish, uint32_t wait_ms, char cls[ROBOT_CLASS_LEN],
                               uint32_t *answer_ms, char *why, size_t why_size)
{
    struct probe_spec spec;
    struct conv c;
    bool ok = false;
    vuln_tls12_spec(&spec, ctx->sni, static_rsa);
    if (conv_open(ctx, &spec, &c) != CONV_FLIGHT) {
        vuln_strf(why, why_size, "%s", c.why);
        goto out;
    }
    tp_writer wr;
    tp_wr_init(&wr, 0, NULL);
    bool sent = robot_records(key, v, c.flight.sh.version, TP_VER_TLS12, finish, &wr, why,
                              why_size);
    sent = sent && conv_send(&c, tp_wr_data(&wr), tp_wr_len(&wr));
    tp_wr_finish(&wr);
    if (!sent) {
        if (why[0] == '\0')
            vuln_strf(why, why_size, "%s", c.why);
        goto out;
    }
    /* Behind a slow link (ctx->half_close), our end of stream right
     * behind the records: the server judges them first, in order (an
     * oracle still shows), then reads it and ends the connection at once.
     * A server serving one connection at a time otherwise holds every
     * other meanwhile: with the key exchange alone until our silence wait
     * ends (gnutls-serv: five vectors, seven seconds behind 300 ms), after
     * its alert until our close arrives (openssl s_server: a round trip a
     * vector). */
    if (ctx->half_close)
        (void)shutdown(c.fd, SHUT_WR);
    robot_answer(ctx, &c, wait_ms, cls);
    *answer_ms = c.answer_ms;
    ok = true;
out:
    conv_close(&c);
    return ok;
}

/* One vector in one go (with --enum, pipe: the version the scan saw a
 * static RSA suite accepted with): a hello offering that version and only
 * static RSA suites, our key exchange records right behind it encrypted to
 * the key already fetched, and our end of stream, all before the server's
 * flight is back. The server judges them in order as ever (the paper's
 * oracle lies in how it answers the key exchange, never in when it was
 * sent), and one serving a connection at a time is held by none of ours
 * for a round trip. The answer is the whole conversation's first alert
 * and end. A server that did not take the hello as the scan did (another
 * version or suite negotiated, no ServerHello) answers nothing here: the
 * vector runs stepwise instead. */
static bool robot_try_pipelined(struct vuln_ctx *ctx, const struct rsa_key *key, unsigned v,
                                bool finish, uint16_t pipe, uint32_t wait_ms,
                                char cls[ROBOT_CLASS_LEN], uint32_t *answer_ms)
{
    struct probe_spec spec;
    struct conv c;
    char why[200] = "";
    bool ok = false;
    vuln_tls12_spec(&spec, ctx->sni, static_rsa);
    spec.version = pipe;
    tp_writer wr;
    tp_wr_init(&wr, 0, NULL);
    bool built = robot_records(key, v, pipe, pipe, finish, &wr, why, sizeof why);
    enum conv_state st =
        built ? conv_open_pipelined(ctx, &spec, tp_wr_data(&wr), tp_wr_len(&wr), &c)
              : CONV_UNKNOWN;
    tp_wr_finish(&wr);
    if (!built)
        return false;
    const tp_flight *f = &c.flight;
    bool hello = (st == CONV_FLIGHT || st == CONV_REFUSED) &&
                 f->kind == TP_FLIGHT_SERVER_HELLO && f->sh.version == pipe &&
                 static_rsa(f->sh.cipher_suite);
    if (hello) {
        uint64_t t0 = tp_now_ns();
        robot_answer(ctx, &c, wait_ms, cls);
        uint64_t spent = (tp_now_ns() - t0) / 1000000u;
        *answer_ms = spent < CONV_NO_ANSWER ? (uint32_t)spent : CONV_NO_ANSWER - 1;
        ok = true;
    }
    conv_close(&c);
    return ok;
}

static bool robot_try(struct vuln_ctx *ctx, const struct rsa_key *key, unsigned v, bool finish,
                      uint16_t pipe, uint32_t wait_ms, char cls[ROBOT_CLASS_LEN],
                      uint32_t *answer_ms, char *why, size_t why_size)
{
    if (pipe != 0 && robot_try_pipelined(ctx, key, v, finish, pipe, wait_ms, cls, answer_ms))
        return true;
    if (pipe != 0)
        tp_trace("robot vector %u: no ServerHello as the scan's, stepwise", v + 1);
    return robot_try_stepwise(ctx, key, v, finish, wait_ms, cls, answer_ms, why, why_size);
}

/* One vector of a round, on a thread of its own. */
struct robot_vector {
    struct vuln_ctx ctx; /* a copy: its own connection count */
    const struct rsa_key *key;
    unsigned v;
    bool finish;
    uint16_t pipe;
    uint32_t wait_ms;
    char *cls;
    uint32_t answer_ms;
    bool failed;
    char why[200];
    pthread_t thread;
    bool threaded;
};

static void *robot_vector_run(void *arg)
{
    struct robot_vector *t = arg;
    t->failed = !robot_try(&t->ctx, t->key, t->v, t->finish, t->pipe, t->wait_ms, t->cls,
                           &t->answer_ms, t->why, sizeof t->why);
    return NULL;
}

static bool all_same(char classes[ROBOT_VECTORS][ROBOT_CLASS_LEN])
{
    for (unsigned v = 1; v < ROBOT_VECTORS; v++)
        if (strcmp(classes[v], classes[0]) != 0)
            return false;
    return true;
}

void vuln_decide_robot(char classes[2][ROBOT_VECTORS][ROBOT_CLASS_LEN],
                       bool failed[2][ROBOT_VECTORS], const char *variant,
                       struct vuln_answer *out)
{
    for (unsigned r = 0; r < 2; r++)
        for (unsigned v = 0; v < ROBOT_VECTORS; v++)
            if (failed[r][v]) {
                vuln_answer(out, TP_VULN_UNKNOWN,
                            "the connection for padding vector %u (round %u) failed", v + 1,
                            r + 1);
                return;
            }
    if (all_same(classes[0]) && all_same(classes[1]) && strcmp(classes[0][0], classes[1][0]) == 0) {
        vuln_answer(out, TP_VULN_NO,
                    "the five padding vectors got the same answer (%s) %s", classes[0][0],
                    variant);
        return;
    }
    for (unsigned v = 0; v < ROBOT_VECTORS; v++)
        if (strcmp(classes[0][v], classes[1][v]) != 0) {
            vuln_answer(out, TP_VULN_UNKNOWN,
                        "answers changed between two rounds (vector %u: %s, then %s): the "
                        "server's behaviour is not stable enough to tell",
                        v + 1, classes[0][v], classes[1][v]);
            return;
        }
    /* Same in both rounds, different between vectors: an oracle. */
    unsigned odd = 1;
    while (odd < ROBOT_VECTORS && strcmp(classes[0][odd], classes[0][0]) == 0)
        odd++;
    vuln_answer(out, TP_VULN_YES,
                "the answer depends on the PKCS#1 padding of the premaster secret %s, in two "
                "rounds alike: correct padding got %s, vector %u got %s (a Bleichenbacher oracle)",
                variant, classes[0][0], odd + 1, classes[0][odd]);
}

/* Run the five vectors once, side by side (vuln_vector_batch() at a time;
 * a server that serves one connection at a time queues them: each waits
 * only once its own flight is in, vuln/pace.h); false if one connection failed (why set). *silent:
 * vector 1 met a silence; ctx->answer_ms rises to the slowest answer. */
static bool robot_round(struct vuln_ctx *ctx, const struct rsa_key *key, bool finish,
                        uint16_t pipe,
                        uint32_t wait_ms, char classes[ROBOT_VECTORS][ROBOT_CLASS_LEN],
                        bool failed[ROBOT_VECTORS], bool *answered, char *why,
                        size_t why_size)
{
    struct robot_vector t[ROBOT_VECTORS];
    unsigned batch =
        vuln_vector_batch(vuln_parallel(ctx->cfg->parallel_given, ctx->cfg->parallel));
    bool ok = true;
    for (unsigned v = 0; v < ROBOT_VECTORS; v++) {
        classes[v][0] = '\0';
        t[v] = (struct robot_vector){.ctx = *ctx, .key = key, .v = v, .finish = finish,
                                     .pipe = pipe, .wait_ms = wait_ms, .cls = classes[v]};
        t[v].ctx.connections = 0;
    }
    for (unsigned first = 0; first < ROBOT_VECTORS; first += batch) {
        unsigned end = first + batch < ROBOT_VECTORS ? first + batch : ROBOT_VECTORS;
        for (unsigned v = first; v < end; v++) {
            t[v].threaded = pthread_create(&t[v].thread, NULL, robot_vector_run, &t[v]) == 0;
            if (!t[v].threaded)
                (void)robot_vector_run(&t[v]);
        }
        for (unsigned v = first; v < end; v++)
            if (t[v].threaded)
                pthread_join(t[v].thread, NULL);
    }
    for (unsigned v = 0; v < ROBOT_VECTORS; v++) {
        ctx->connections += t[v].ctx.connections;
        failed[v] = t[v].failed;
        if (!t[v].failed && t[v].answer_ms != CONV_NO_ANSWER && t[v].answer_ms > ctx->answer_ms)
            ctx->answer_ms = t[v].answer_ms;
        if (!t[v].failed && t[v].answer_ms != CONV_NO_ANSWER)
            *answered = true;
        if (failed[v] && ok)
            vuln_strf(why, why_size, "%s", t[v].why);
        ok = ok && !failed[v];
    }
    return ok;
}

/* Rounds until vuln_robot_step() decides (pace.h): the first quick, the
 * others patient. *answered: a key exchange of ours was answered (timed
 * in ctx->answer_ms), in this variant or an earlier one. */
static void robot_variant(struct vuln_ctx *ctx, const struct rsa_key *key, bool finish,
                          uint16_t pipe,
                          bool *answered, struct vuln_answer *out)
{
    char rounds[3][ROBOT_VECTORS][ROBOT_CLASS_LEN];
    char classes[2][ROBOT_VECTORS][ROBOT_CLASS_LEN];
    bool failed[2][ROBOT_VECTORS] = {{false}};
    bool round_failed[ROBOT_VECTORS];
    char why[200] = "";
    const char *variant = finish ? "(with ChangeCipherSpec and Finished)"
                                 : "(ClientKeyExchange alone)";
    struct robot_step step = {true, 0, 0};
    bool first_patient = vuln_robot_first_patient(*answered);
    unsigned done = 0;
    memset(rounds, 0, sizeof rounds);
    while (step.another && done < 3) {
        bool patient = done > 0 || first_patient;
        if (!robot_round(ctx, key, finish, pipe, patient ? CONV_WAIT_PATIENT : CONV_WAIT_SILENCE,
                         rounds[done], round_failed, answered, why, sizeof why)) {
            vuln_answer(out, TP_VULN_UNKNOWN, "a connection failed: %s", why);
            return;
        }
        bool uniform = all_same(rounds[done]);
        done++;
        step = vuln_robot_step(done, uniform, first_patient);
    }
    memcpy(classes[0], rounds[step.first], sizeof classes[0]);
    memcpy(classes[1], rounds[step.second], sizeof classes[1]);
    vuln_decide_robot(classes, failed, variant, out);
}

/* The second variant on a thread of its own, beside the first. */
struct robot_side {
    struct vuln_ctx ctx; /* a copy: its own connection count and answer time */
    const struct rsa_key *key;
    uint16_t pipe;
    bool answered;
    struct vuln_answer out;
    pthread_t thread;
};

static void *robot_side_run(void *arg)
{
    struct robot_side *s = arg;
    robot_variant(&s->ctx, s->key, false, s->pipe, &s->answered, &s->out);
    return NULL;
}

/* The two variants: with CCS and Finished, then (when that found all
 * five alike) the key exchange alone. One after another the first times
 * the server's answers, so the second's first round can be quick. With
 * pipelined vectors (pipe) and room under --parallel, the second runs
 * beside the first instead, its first round patient (nothing timed yet:
 * vuln_robot_first_patient()), and counts only when the first found no
 * oracle: a round trip and a place in a serial server's queue saved. */
static void robot_variants(struct vuln_ctx *ctx, const struct rsa_key *key, uint16_t pipe,
                           struct vuln_answer *out)
{
    bool answered = false;
    uint32_t outer_answer = ctx->answer_ms;
    unsigned parallel = vuln_parallel(ctx->cfg->parallel_given, ctx->cfg->parallel);
    struct robot_side side = {.ctx = *ctx, .key = key, .pipe = pipe};
    bool beside = false;
    side.ctx.connections = 0;
    side.ctx.answer_ms = 0;
    if (pipe != 0 && (parallel == 0 || parallel >= 2u * ROBOT_VECTORS))
        beside = pthread_create(&side.thread, NULL, robot_side_run, &side) == 0;
    ctx->answer_ms = 0;
    robot_variant(ctx, key, true, pipe, &answered, out);
    if (beside) {
        pthread_join(side.thread, NULL);
        ctx->connections += side.ctx.connections;
    }
    if (out->result == TP_VULN_NO) {
        struct vuln_answer first = *out;
        if (!beside)
            robot_variant(ctx, key, false, pipe, &answered, out);
        else
            *out = side.out;
        if (out->result == TP_VULN_NO) {
            struct vuln_answer second = *out;
            vuln_answer(out, TP_VULN_NO, "%s; %s", first.detail, second.detail);
        }
    }
    ctx->answer_ms = outer_answer;
}

/* The highest version (TLS 1.0 to 1.2) the scan saw a static RSA suite
 * accepted with: ROBOT's vectors pipeline at it. 0: no scan, or none. */
static uint16_t robot_pipe_version(const struct tp_scan *scan)
{
    uint16_t best = 0;
    for (size_t i = 0; scan != NULL && i < scan->n_suites; i++) {
        const struct tp_scan_suite *s = &scan->suites[i];
        if (s->version >= TP_VER_TLS10 && s->version <= TP_VER_TLS12 && s->code <= 0xFFFFu &&
            static_rsa((uint16_t)s->code) && s->version > best)
            best = s->version;
    }
    return best;
}

void vuln_robot(struct vuln_ctx *ctx, const struct vuln_input *in, struct vuln_answer *out)
{
    uint16_t pipe = robot_pipe_version(in->scan);
    struct probe_spec spec;
    struct conv c;
    struct rsa_key key = {0};
    tp_error err = {0};
    bool have_key = false;
    vuln_tls12_spec(&spec, ctx->sni, static_rsa);
    enum conv_state st = conv_open_flight(ctx, &spec, &c);
    if (st == CONV_REFUSED && vuln_refusal_in_doubt(in, static_rsa, c.why, out))
        have_key = false; /* unknown, and why, said */
    else if (st == CONV_REFUSED)
        vuln_answer(out, TP_VULN_NO,
                    "no RSA key transport: a hello offering only static RSA suites was refused "
                    "(%s)",
                    c.why);
    else if (st != CONV_FLIGHT)
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", c.why);
    else if (!c.flight.has_certificate || c.flight.certificate.n == 0)
        vuln_answer(out, TP_VULN_UNKNOWN, "the server sent no certificate with an RSA suite");
    else if (tls_rsa_public_key(c.flight.certificate.certs[0].der,
                                c.flight.certificate.certs[0].len, &key.n, &key.n_len, &key.e,
                                &key.e_len, &err) != TP_OK)
        vuln_answer(out, TP_VULN_UNKNOWN, "%s", err.msg);
    else if (key.n_len < ROBOT_MIN_BYTES || key.n_len > ROBOT_MAX_BYTES)
        vuln_answer(out, TP_VULN_UNKNOWN, "RSA modulus of %zu bytes is outside what is checked",
                    key.n_len);
    else
        have_key = true;
    conv_close(&c);
    if (have_key)
        robot_variants(ctx, &key, pipe, out);
    free(key.n);
    free(key.e);
}

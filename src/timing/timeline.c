/* timeline.c: transfers -> flights (see timeline.h). Pure: no I/O. */
#include "timing/timeline.h"

#include <stdio.h>
#include <string.h>

#include "wire/registry.h"
#include "wire/serverhello.h"
#include "util/banned.h"

void tp_tl_init(tp_tl_builder *b, uint64_t t0_ns, tp_tl_msg_fn on_msg, void *ctx)
{
    memset(b, 0, sizeof *b);
    b->t0_ns = t0_ns;
    b->on_msg = on_msg;
    b->ctx = ctx;
    b->cert_flight = SIZE_MAX;
    b->complete_flight = SIZE_MAX;
    for (size_t i = 0; i < 2; i++) {
        tp_hs_reasm_init(&b->d[i].reasm, 0);
        b->d[i].pending_fin = SIZE_MAX;
    }
}

void tp_tl_finish(tp_tl_builder *b)
{
    for (size_t i = 0; i < 2; i++)
        tp_hs_reasm_finish(&b->d[i].reasm);
}

/* RFC 8446 Sec. 4 / RFC 5246 Sec. 7.4 message names. */
static const char *msg_name(uint8_t type)
{
    switch (type) {
    case TP_HS_HELLO_REQUEST: return "HelloRequest";
    case TP_HS_CLIENT_HELLO: return "ClientHello";
    case TP_HS_SERVER_HELLO: return "ServerHello";
    case TP_HS_NEW_SESSION_TICKET: return "NewSessionTicket";
    case TP_HS_ENCRYPTED_EXTENSIONS: return "EncryptedExtensions";
    case TP_HS_CERTIFICATE: return "Certificate";
    case TP_HS_SERVER_KEY_EXCHANGE: return "ServerKeyExchange";
    case TP_HS_CERTIFICATE_REQUEST: return "CertificateRequest";
    case TP_HS_SERVER_HELLO_DONE: return "ServerHelloDone";
    case TP_HS_CERTIFICATE_VERIFY: return "CertificateVerify";
    case TP_HS_CLIENT_KEY_EXCHANGE: return "ClientKeyExchange";
    case TP_HS_FINISHED: return "Finished";
    case TP_HS_CERTIFICATE_STATUS: return "CertificateStatus";
    default: return "Handshake";
    }
}

static struct tp_tl_raw *current(tp_tl_builder *b)
{
    return b->n > 0 ? &b->f[b->n - 1] : NULL;
}

static void add_item(struct tp_tl_raw *f, const char *name)
{
    if (f->n_items > 0 && strcmp(f->items[f->n_items - 1], name) == 0)
        return; /* "NewSessionTicket" twice reads as one item */
    if (f->n_items < TP_TL_ITEMS)
        f->items[f->n_items++] = name;
    else
        f->items[TP_TL_ITEMS - 1] = name; /* keep the last for the label */
}

static void note_finished(tp_tl_builder *b, struct tp_tl_dir *d, size_t flight, uint64_t t_ns)
{
    if (d->finished)
        return;
    d->finished = true;
    if (d->fin_ns == 0)
        d->fin_ns = t_ns;
    b->f[flight].has_finished = true;
    add_item(&b->f[flight], "Finished");
    if (b->d[0].finished && b->d[1].finished && b->complete_flight == SIZE_MAX) {
        b->complete_flight = flight;
        b->complete_ns = b->d[0].fin_ns > b->d[1].fin_ns ? b->d[0].fin_ns : b->d[1].fin_ns;
    }
}

/* The other side sends: a pending TLS 1.3 protected flight is over. */
static void settle_pending(tp_tl_builder *b)
{
    for (size_t i = 0; i < 2; i++) {
        struct tp_tl_dir *d = &b->d[i];
        if (d->pending_fin != SIZE_MAX && !d->finished)
            note_finished(b, d, d->pending_fin, d->fin_ns);
        d->pending_fin = SIZE_MAX;
    }
}

/* A transfer in dir at t_ns: continue the current flight or start one. */
static struct tp_tl_raw *flight_for(tp_tl_builder *b, enum tp_dir dir, uint64_t t_ns)
{
    struct tp_tl_raw *f = current(b);
    /* What a side sends after the handshake completed in its own flight
     * (close_notify, application data) is a flight of its own. */
    bool completed_here = b->complete_flight != SIZE_MAX && b->complete_flight == b->n - 1;
    if (f != NULL && f->dir == dir && !completed_here) {
        f->end_ns = t_ns;
        return f;
    }
    settle_pending(b);
    if (b->n == TP_TL_RAW_FLIGHTS) {
        /* Out of room: merge into the last one (flagged in the result). */
        b->merged = true;
        f->end_ns = t_ns;
        return f;
    }
    f = &b->f[b->n++];
    memset(f, 0, sizeof *f);
    f->dir = dir;
    f->start_ns = t_ns;
    f->end_ns = t_ns;
    f->alert_only = true;
    if (dir == TP_DIR_C2S) {
        f->bytes += b->carry_bytes;
        f->records += b->carry_records;
        b->carry_bytes = 0;
        b->carry_records = 0;
    }
    return f;
}

/* The ServerHello tells the version (RFC 8446 Sec. 4.2.1: supported_versions
 * wins over legacy_version), a HelloRetryRequest, and a PSK resumption
 * (Sec. 4.2.11: the server's pre_shared_key). */
static void server_hello(tp_tl_builder *b, const tp_hs_msg *msg, struct tp_tl_raw *f)
{
    tp_server_hello sh;
    tp_error err = {0};
    if (tp_sh_parse(msg->body, msg->len, &sh, &err) != TP_OK)
        return;
    if (sh.is_hrr) {
        b->hrr = true;
        b->version = sh.version;
        return;
    }
    b->sh_seen = true;
    b->version = sh.version;
    f->has_server_hello = true;
    if (sh.version == TP_VER_TLS13 && tp_ext_find(&sh.exts, TP_EXT_PRE_SHARED_KEY) != NULL)
        b->resumed_hint = true;
}

static tp_status on_message(tp_tl_builder *b, enum tp_dir dir, const tp_hs_msg *msg,
                            uint64_t t_ns)
{
    struct tp_tl_raw *f = current(b);
    bool hrr = msg->type == TP_HS_SERVER_HELLO && msg->len >= 34 &&
               tp_sh_random_is_hrr(msg->body + 2);
    add_item(f, hrr ? "HelloRetryRequest" : msg_name(msg->type));
    uint32_t size = (uint32_t)(msg->len + 4 > UINT32_MAX ? UINT32_MAX : msg->len + 4);
    switch (msg->type) {
    case TP_HS_SERVER_HELLO:
        if (dir == TP_DIR_S2C)
            server_hello(b, msg, f);
        break;
    case TP_HS_CERTIFICATE:
        if (dir == TP_DIR_S2C && b->cert_flight == SIZE_MAX) {
            b->cert_msg_bytes = size;
            b->cert_flight = b->n - 1;
        }
        break;
    case TP_HS_SERVER_KEY_EXCHANGE:
        b->ske_bytes = size;
        break;
    case TP_HS_CLIENT_KEY_EXCHANGE:
        b->cke_bytes = size;
        break;
    default:
        break;
    }
    if (b->on_msg != NULL)
        return b->on_msg(b->ctx, dir, msg, t_ns);
    return TP_OK;
}

static tp_status drain_messages(tp_tl_builder *b, enum tp_dir dir, uint64_t t_ns)
{
    struct tp_tl_dir *d = &b->d[dir];
    for (;;) {
        tp_hs_msg msg;
        bool have = false;
        tp_error err = {0};
        if (tp_hs_reasm_next(&d->reasm, &msg, &have, &err) != TP_OK) {
            d->reasm_broken = true; /* an oversized message: stop naming */
            return TP_OK;
        }
        if (!have)
            return TP_OK;
        TP_TRY(on_message(b, dir, &msg, t_ns));
    }
}

/* A record header is complete: count it and decide what its body is. */
static void record_start(tp_tl_builder *b, enum tp_dir dir, struct tp_tl_raw *f, uint64_t t_ns)
{
    struct tp_tl_dir *d = &b->d[dir];
    tp_record rec;
    tp_error err = {0};
    if (tp_record_check_header(d->hdr, &rec, &err) != TP_OK) {
        d->broken = true;
        return;
    }
    d->type = rec.type;
    d->body_left = rec.length;
    d->in_body = true;
    f->records++;
    if (rec.type != TP_CT_ALERT)
        f->alert_only = false;
    bool tls13 = b->version == TP_VER_TLS13;
    switch (rec.type) {
    case TP_CT_CHANGE_CIPHER_SPEC:
        d->ccs = true;
        f->has_ccs = true;
        if (!tls13) /* TLS 1.3's is for middlebox compatibility only (RFC 8446 App. D.4) */
            add_item(f, "ChangeCipherSpec");
        break;
    case TP_CT_ALERT:
        f->alerts++;
        if (!d->ccs || !tls13)
            add_item(f, "Alert");
        break;
    case TP_CT_HANDSHAKE:
        if (d->ccs && !tls13) {
            f->encrypted++;
            if (!d->finished)
                note_finished(b, d, b->n - 1, t_ns); /* the first protected handshake message */
            else
                add_item(f, "Handshake");
        }
        break;
    case TP_CT_APPLICATION_DATA:
        f->encrypted++;
        if (tls13 && b->sh_seen && !d->finished &&
            (dir == TP_DIR_S2C || b->d[TP_DIR_S2C].finished)) {
            /* TLS 1.3: everything after the ServerHello is protected; the
             * sender's first protected flight ends with its Finished
             * (RFC 8446 Sec. 2, Figure 1). */
            if (d->pending_fin == SIZE_MAX) {
                d->pending_fin = b->n - 1;
                add_item(f, "Finished");
                d->fin_ns = t_ns;
            } else if (dir == TP_DIR_S2C) {
                d->fin_ns = t_ns; /* the server's Finished is its flight's last record */
            }
        } else if (tls13 && dir == TP_DIR_S2C && b->complete_flight != SIZE_MAX &&
                   b->complete_flight != b->n - 1) {
            add_item(f, "NewSessionTicket");
        } else {
            add_item(f, "ApplicationData");
        }
        break;
    default:
        break;
    }
}

static tp_status record_body(tp_tl_builder *b, enum tp_dir dir, const uint8_t *p, size_t n,
                             uint64_t t_ns)
{
    struct tp_tl_dir *d = &b->d[dir];
    /* TLS 1.3 protects handshake messages as application_data records, so
     * its (compatibility) ChangeCipherSpec does not end the plaintext. */
    bool plaintext_hs = d->type == TP_CT_HANDSHAKE && (!d->ccs || b->version == TP_VER_TLS13);
    if (!plaintext_hs || d->reasm_broken)
        return TP_OK;
    tp_error err = {0};
    tp_status st = tp_hs_reasm_feed(&d->reasm, p, n, &err);
    if (st == TP_E_NOMEM)
        return st;
    if (st != TP_OK) {
        d->reasm_broken = true;
        return TP_OK;
    }
    return drain_messages(b, dir, t_ns);
}

/* Walk the record layer over data: headers (possibly split across
 * transfers) and bodies. */
static tp_status parse_records(tp_tl_builder *b, enum tp_dir dir, struct tp_tl_raw *f,
                               const uint8_t *data, size_t len, uint64_t t_ns)
{
    struct tp_tl_dir *d = &b->d[dir];
    while (len > 0 && !d->broken) {
        if (d->in_body) {
            size_t take = len < d->body_left ? len : d->body_left;
            TP_TRY(record_body(b, dir, data, take, t_ns));
            d->body_left -= take;
            data += take;
            len -= take;
            if (d->body_left == 0)
                d->in_body = false;
            continue;
        }
        size_t take = TP_RECORD_HEADER_LEN - d->hdr_have;
        if (take > len)
            take = len;
        memcpy(d->hdr + d->hdr_have, data, take);
        d->hdr_have += take;
        data += take;
        len -= take;
        if (d->hdr_have < TP_RECORD_HEADER_LEN)
            break;
        d->hdr_have = 0;
        record_start(b, dir, f, t_ns);
        if (d->in_body && d->body_left == 0)
            d->in_body = false;
    }
    return TP_OK;
}

tp_status tp_tl_feed(tp_tl_builder *b, enum tp_dir dir, uint64_t t_ns, const uint8_t *data,
                     size_t len)
{
    if (b->failed != TP_OK)
        return b->failed;
    if (len == 0)
        return TP_OK;
    struct tp_tl_dir *d = &b->d[dir];
    if (dir == TP_DIR_C2S && data != NULL && len == 6 && data[0] == TP_CT_CHANGE_CIPHER_SPEC &&
        b->version == TP_VER_TLS13 && !d->in_body && d->hdr_have == 0 && b->n > 0 &&
        current(b)->dir == TP_DIR_S2C && !d->finished) {
        b->carry_bytes += len;
        b->carry_records++;
        d->ccs = true;
        return TP_OK;
    }
    struct tp_tl_raw *f = flight_for(b, dir, t_ns);
    f->bytes += len;
    if (data == NULL) {
        b->d[dir].broken = true;
        return TP_OK;
    }
    tp_status st = parse_records(b, dir, f, data, len, t_ns);
    if (st != TP_OK)
        b->failed = st;
    return st;
}

size_t tp_tl_flights(const struct tp_timeline *tl, struct tp_flight *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < tl->n_flights && n < max; i++) {
        const struct tp_tl_flight *f = &tl->flights[i];
        if (f->post_handshake)
            continue;
        out[n++] = (struct tp_flight){f->label, f->dir,
                                      f->bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)f->bytes,
                                      f->records, true};
    }
    return n;
}

uint32_t tp_tl_cert13_bytes(const uint32_t *der, size_t n)
{
    /* Handshake header 4, certificate_request_context<0..255> 1,
     * certificate_list<0..2^24-1> 3, then per entry cert_data 3 + DER and
     * extensions<0..2^16-1> 2. */
    uint64_t total = 4 + 1 + 3;
    for (size_t i = 0; i < n; i++)
        total += 3 + (uint64_t)der[i] + 2;
    return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

uint32_t tp_tl_cert_verify_bytes(const char *key_type, unsigned key_bits)
{
    uint32_t sig = 0;
    if (key_type == NULL)
        return 0;
    if (strncmp(key_type, "RSA", 3) == 0)
        sig = (key_bits + 7) / 8;
    else if (strcmp(key_type, "EC") == 0)
        sig = key_bits <= 256 ? 72 : key_bits <= 384 ? 104 : 139; /* DER, upper bound */
    else if (strcmp(key_type, "Ed25519") == 0)
        sig = 64;
    else if (strcmp(key_type, "Ed448") == 0)
        sig = 114;
    return sig != 0 ? 4 + 2 + 2 + sig : 0;
}

static double rel_ms(const tp_tl_builder *b, uint64_t t_ns)
{
    return t_ns >= b->t0_ns ? (double)(t_ns - b->t0_ns) / 1e6 : -(double)(b->t0_ns - t_ns) / 1e6;
}

static void make_label(const struct tp_tl_raw *f, char *out, size_t size)
{
    if (f->n_items == 0) {
        snprintf(out, size, "%s", f->dir == TP_DIR_C2S ? "client data" : "server data");
        return;
    }
    if (f->n_items == 1)
        snprintf(out, size, "%s", f->items[0]);
    else
        snprintf(out, size, "%s..%s", f->items[0], f->items[f->n_items - 1]);
}

void tp_tl_result(const tp_tl_builder *live, const struct tp_tl_facts *facts,
                  struct tp_timeline *out)
{
    /* A protected flight still in progress ends here: settle a copy (the
     * copy shares the reassembly buffers, which this does not touch). */
    tp_tl_builder copy = *live;
    const tp_tl_builder *b = &copy;
    settle_pending(&copy);
    memset(out, 0, sizeof *out);
    out->dns_ms = -1;
    out->connect_ms = -1;
    out->starttls_ms = -1;
    out->handshake_ms = -1;
    out->cert_flight = SIZE_MAX;
    out->version = b->version != 0 ? b->version : facts != NULL ? facts->version : 0;
    out->hello_retry = b->hrr;
    out->more_flights = b->merged;
    out->complete = b->complete_flight != SIZE_MAX;
    uint64_t all = 0;
    for (size_t i = 0; i < b->n; i++) {
        const struct tp_tl_raw *r = &b->f[i];
        bool after = out->complete && i > b->complete_flight;
        /* After the handshake only the server's next flight belongs to it
         * (TLS 1.3 tickets, RFC 8446 Sec. 4.6.1); application data and
         * close_notify do not. */
        if (after && !(i == b->complete_flight + 1 && r->dir == TP_DIR_S2C && !r->alert_only))
            continue;
        struct tp_tl_flight *f = &out->flights[out->n_flights];
        make_label(r, f->label, sizeof f->label);
        f->dir = r->dir;
        f->start_ms = rel_ms(b, r->start_ns);
        f->end_ms = rel_ms(b, r->end_ns);
        f->bytes = r->bytes;
        f->records = r->records;
        f->post_handshake = after;
        if (i == b->cert_flight)
            out->cert_flight = out->n_flights;
        out->bytes[r->dir] += r->bytes;
        all += r->bytes;
        if (r->dir == TP_DIR_S2C && !after && i > 0)
            out->round_trips++;
        if (i == b->complete_flight)
            out->handshake_ms = rel_ms(b, b->complete_ns) - out->flights[0].start_ms;
        out->n_flights++;
    }
    out->valid = out->n_flights > 0;
    /* A 1.2 server that answered a session ID or ticket with CCS at once
     * resumed (RFC 5246 Sec. 7.3, abbreviated handshake). */
    bool abbreviated = b->n > 1 && b->f[1].dir == TP_DIR_S2C && b->f[1].has_server_hello &&
                       b->f[1].has_ccs && b->version != TP_VER_TLS13;
    out->resumed = b->resumed_hint || abbreviated || (facts != NULL && facts->resumed);
    if (b->cert_msg_bytes != 0) {
        out->certificate_bytes = b->cert_msg_bytes;
    } else if (facts != NULL && facts->n_certs > 0 && !out->resumed) {
        out->certificate_bytes = tp_tl_cert13_bytes(facts->cert_der, facts->n_certs);
        out->certificate_estimated = true;
        /* Protected: it travelled in the server flight that held the
         * ServerHello. */
        for (size_t i = 0; i < out->n_flights && out->cert_flight == SIZE_MAX; i++)
            if (out->flights[i].dir == TP_DIR_S2C && i > 0 &&
                (strstr(out->flights[i].label, "ServerHello") != NULL))
                out->cert_flight = i;
    }
    out->certificate_share = all > 0 ? (double)out->certificate_bytes / (double)all : 0;
    if (out->certificate_share > 1)
        out->certificate_share = 1;
    out->server_kx_bytes = b->ske_bytes != 0 ? b->ske_bytes
                           : facts != NULL   ? facts->cert_verify_bytes
                                             : 0;
    out->client_kx_bytes = b->cke_bytes;
}

bool tp_tl_done(const tp_tl_builder *b)
{
    if (b->complete_flight == SIZE_MAX)
        return false;
    size_t after = b->n - 1 - b->complete_flight;
    return after >= 2 || (after == 1 && b->f[b->n - 1].dir == TP_DIR_C2S);
}

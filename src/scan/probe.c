/* probe.c: build one raw hello, send it, classify the reply with the flight
 * helper (wire/flight.h). The outcome rules are in probe.h. */
#include "scan/probe.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/starttls.h"
#include "tls/psk.h"
#include "wire/clienthello.h"
#include "wire/flight.h"
#include "wire/keyshare.h"
#include "wire/reader.h"
#include "wire/record.h"
#include "wire/registry.h"

#include "util/banned.h"

/* RFC 7507 Sec. 6 and RFC 5746 Sec. 3.3. */
#define SUITE_FALLBACK_SCSV 0x5600
#define SUITE_RENEGOTIATION_SCSV 0x00ff
/* RFC 6520 Sec. 2: HeartbeatMode peer_allowed_to_send(1). */
#define EXT_HEARTBEAT 15

void probe_spec_defaults(struct probe_spec *spec, uint16_t version, const char *sni)
{
    memset(spec, 0, sizeof *spec);
    spec->kind = version == TP_VER_SSL2 ? PROBE_SSL2 : PROBE_TLS;
    spec->version = version;
    spec->sni = sni;
    spec->want_flight = version <= TP_VER_TLS12;
    spec->n_groups = plan_group_candidates(PLAN_GROUPS_OFFER, spec->groups, PROBE_MAX_GROUPS);
    spec->n_sigalgs = plan_sigscheme_candidates(spec->sigalgs, PROBE_MAX_SIGALGS);
}

static tp_status build_ssl2(const uint8_t rnd[64], tp_writer *wr, tp_error *err)
{
    uint32_t kinds[64];
    size_t n = plan_ssl2_kinds(kinds, sizeof kinds / sizeof kinds[0]);
    /* draft-hickman-netscape-ssl-00: CLIENT-VERSION 2, a 16-byte challenge. */
    tp_ssl2_ch_spec s = {
        .version = 0x0002, .kinds = kinds, .n_kinds = n, .challenge = rnd + 32,
        .challenge_len = 16,
    };
    return tp_ssl2_ch_build(&s, wr, err);
}

/* The hash the PSK's binder uses: SHA-384 when every suite offered is a
 * SHA-384 one (a server binds a PSK to one hash, RFC 8446 Sec. 4.2.11, and
 * selects only suites with it), else SHA-256, the external PSK's default. */
static enum tls_psk_hash binder_hash(const struct probe_spec *spec)
{
    bool sha384 = false;
    for (size_t i = 0; i < spec->n_suites; i++) {
        const struct tp_suite_info *info = tp_suite_by_code(spec->suites[i]);
        const char *name = info != NULL ? tp_suite_name(info) : NULL;
        if (name == NULL)
            continue;
        if (strstr(name, "_SHA384") == NULL)
            return TLS_PSK_SHA256;
        sha384 = true;
    }
    return sha384 ? TLS_PSK_SHA384 : TLS_PSK_SHA256;
}

/* The hello with a pre_shared_key: build the message with a zero binder,
 * compute the binder over the truncated message (RFC 8446 Sec. 4.2.11.2),
 * write it in, and only then frame the records. */
static tp_status build_with_psk(const struct probe_spec *spec, tp_ch_spec *cs, tp_writer *wr,
                                tp_error *err)
{
    uint8_t modes[2];
    size_t n_modes = 0;
    if (spec->psk_dhe_ke)
        modes[n_modes++] = PROBE_PSK_DHE_KE;
    if (spec->psk_ke || n_modes == 0)
        modes[n_modes++] = PROBE_PSK_KE;
    enum tls_psk_hash hash = binder_hash(spec);
    cs->psk_modes = modes;
    cs->n_psk_modes = n_modes;
    cs->psk_identity = spec->psk_identity;
    cs->psk_identity_len = spec->psk_identity_len;
    cs->psk_ticket_age = 0; /* RFC 8446 Sec. 4.2.11: 0 for external PSKs */
    cs->psk_binder_len = tls_psk_hash_len(hash);

    tp_writer msg;
    tp_ch_psk_layout at;
    uint8_t binder[TLS_PSK_MAX_BINDER];
    tp_wr_init(&msg, 0, err);
    tp_status st = tp_ch_build_message_psk(cs, &msg, &at, err);
    if (st == TP_OK)
        st = tls_psk_binder(hash, TLS_PSK_EXTERNAL, spec->psk_key, spec->psk_key_len,
                            tp_wr_data(&msg), at.truncated_len, binder, err);
    if (st == TP_OK) {
        tp_wr_put_bytes_at(&msg, at.binder_at, binder, cs->psk_binder_len);
        tp_record_write(wr, TP_CT_HANDSHAKE, cs->record_version, tp_wr_data(&msg),
                        tp_wr_len(&msg), cs->max_record_fragment);
        st = tp_wr_status(&msg) != TP_OK ? tp_wr_status(&msg) : tp_wr_status(wr);
    }
    tp_wr_finish(&msg);
    return st;
}

/* The key_share entries of spec->share_groups into ks[], the built shares'
 * bytes into buf (PROBE_MAX_SHARES * TP_KS_MAX_BYTES). Classical groups use
 * the hello builder's own shares (x25519 from rnd + 32, generators). */
static tp_status build_shares(const struct probe_spec *spec, const uint8_t rnd[64], uint8_t *buf,
                              tp_ch_key_share *ks, tp_error *err)
{
    for (size_t i = 0; i < spec->n_share_groups; i++) {
        uint16_t g = spec->share_groups[i];
        ks[i] = (tp_ch_key_share){.group = g};
        if (g == TP_GROUP_X25519 || g == TP_GROUP_SECP256R1 || g == TP_GROUP_SECP384R1)
            continue;
        uint8_t *at = buf + i * TP_KS_MAX_BYTES;
        TP_TRY(tp_ks_client_share(g, rnd + 32, at, TP_KS_MAX_BYTES, &ks[i].len, err));
        ks[i].data = at;
    }
    return TP_OK;
}

/* Most padding added: a hello is padded to about two MTUs at most. */
#define PROBE_MAX_PAD 4096u

/* The hello of cs grown to pad_to bytes on the wire by a padding extension
 * of zeros (RFC 7685 Sec. 3) in place of the builder's own (which only
 * pads 256..511-byte hellos; two would repeat an extension type). */
static tp_status build_padded(tp_ch_spec *cs, size_t pad_to, tp_writer *wr, tp_error *err)
{
    tp_writer probe;
    cs->padding = false;
    tp_wr_init(&probe, 0, err);
    tp_status st = tp_ch_build(cs, &probe, err);
    size_t len = tp_wr_len(&probe);
    tp_wr_finish(&probe);
    if (st != TP_OK)
        return st;
    /* 4 bytes of extension header; the record stays one (under 2^14). */
    if (len + 4 >= pad_to || cs->n_extra > 0)
        return tp_ch_build(cs, wr, err);
    size_t need = pad_to - len - 4;
    if (need > PROBE_MAX_PAD)
        need = PROBE_MAX_PAD;
    uint8_t *zeros = calloc(need, 1);
    if (zeros == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_ch_raw_ext pad = {.type = TP_EXT_PADDING, .data = zeros, .len = need};
    cs->extra = &pad;
    cs->n_extra = 1;
    st = tp_ch_build(cs, wr, err);
    cs->extra = NULL;
    cs->n_extra = 0;
    free(zeros);
    return st;
}

static tp_status build_tls(const struct probe_spec *spec, const uint8_t rnd[64], tp_writer *wr,
                           tp_error *err)
{
    static const uint8_t deflate_null[] = {1, 0};
    static const uint8_t point_formats[] = {0};
    static const uint8_t heartbeat_mode[] = {1};
    static const uint16_t tls13_only[] = {TP_VER_TLS13};
    static const tp_ch_key_share shares[] = {{.group = TP_GROUP_X25519},
                                             {.group = TP_GROUP_SECP256R1}};
    uint16_t suites[PLAN_MAX_CODES + 2];
    size_t n = spec->n_suites <= PLAN_MAX_CODES ? spec->n_suites : PLAN_MAX_CODES;
    bool ssl3 = spec->version == TP_VER_SSL3;
    bool tls13 = spec->version >= TP_VER_TLS13;
    tp_ch_raw_ext hb = {.type = EXT_HEARTBEAT, .data = heartbeat_mode, .len = 1};

    memcpy(suites, spec->suites, n * sizeof suites[0]);
    if (spec->fallback_scsv)
        suites[n++] = SUITE_FALLBACK_SCSV;
    /* SSL 3.0 has no extensions: RFC 5746 Sec. 3.3 lets the SCSV stand in
     * for renegotiation_info. */
    if (ssl3)
        suites[n++] = SUITE_RENEGOTIATION_SCSV;
    /* The same when the extension is left out for an intolerant server:
     * the SCSV still asks for secure renegotiation. */
    else if (!tls13 && (spec->omit & TP_OFFER_RENEGOTIATION_INFO))
        suites[n++] = SUITE_RENEGOTIATION_SCSV;

    tp_ch_spec cs = {
        /* RFC 8446 App. D.1 / RFC 5246 App. E.1: 0x0301 in the record layer
         * of the first hello is what interoperates; SSL 3.0 servers want
         * 0x0300. */
        .record_version = ssl3 ? TP_VER_SSL3 : TP_VER_TLS10,
        .legacy_version = tls13 ? TP_VER_TLS12 : spec->version,
        .random = rnd,
        .suites = suites,
        .n_suites = n,
        .compression = spec->deflate ? deflate_null : NULL,
        .n_compression = spec->deflate ? 2 : 0,
        .no_extensions = ssl3,
    };
    if (!ssl3) {
        cs.sni = spec->sni;
        cs.groups = spec->groups;
        cs.n_groups = spec->n_groups;
        cs.ec_point_formats = point_formats;
        cs.n_ec_point_formats = 1;
        /* RFC 5246 Sec. 7.4.1.4.1: signature_algorithms is TLS 1.2 and up;
         * older servers may choke on it. */
        if (spec->version >= TP_VER_TLS12) {
            cs.sigalgs = spec->sigalgs;
            cs.n_sigalgs = spec->n_sigalgs;
        }
        cs.max_fragment_length = spec->max_fragment_length;
        cs.record_size_limit = (spec->omit & TP_OFFER_RECORD_SIZE_LIMIT) ? 0
                                                                        : spec->record_size_limit;
        cs.extra = spec->heartbeat ? &hb : NULL;
        cs.n_extra = spec->heartbeat ? 1 : 0;
        cs.padding = !(spec->omit & TP_OFFER_PADDING);
    }
    if (!ssl3 && !tls13) {
        cs.renegotiation_info = !(spec->omit & TP_OFFER_RENEGOTIATION_INFO);
        cs.extended_master_secret = !(spec->omit & TP_OFFER_EXTENDED_MASTER_SECRET);
        cs.encrypt_then_mac = !(spec->omit & TP_OFFER_ENCRYPT_THEN_MAC);
        cs.session_ticket = !(spec->omit & TP_OFFER_SESSION_TICKET);
        cs.status_request = !(spec->omit & TP_OFFER_STATUS_REQUEST);
    }
    tp_ch_key_share own[PROBE_MAX_SHARES];
    uint8_t *share_buf = NULL;
    if (tls13) {
        cs.versions = tls13_only;
        cs.n_versions = 1;
        cs.key_share_ext = true;
        cs.key_shares = spec->empty_key_share ? NULL : shares;
        cs.n_key_shares = spec->empty_key_share ? 0 : 2;
        cs.x25519_public = rnd + 32;
    }
    if (tls13 && !spec->empty_key_share && spec->n_share_groups > 0) {
        if (spec->n_share_groups > PROBE_MAX_SHARES)
            return tp_fail(err, TP_E_INTERNAL, "%zu key shares", spec->n_share_groups);
        share_buf = malloc(PROBE_MAX_SHARES * TP_KS_MAX_BYTES);
        if (share_buf == NULL)
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        tp_status st = build_shares(spec, rnd, share_buf, own, err);
        if (st != TP_OK) {
            free(share_buf);
            return st;
        }
        cs.key_shares = own;
        cs.n_key_shares = spec->n_share_groups;
    }
    tp_status st;
    if (tls13 && spec->psk_key != NULL)
        st = build_with_psk(spec, &cs, wr, err);
    else if (tls13 && spec->pad_to > 0)
        st = build_padded(&cs, spec->pad_to, wr, err);
    else
        st = tp_ch_build(&cs, wr, err);
    free(share_buf);
    return st;
}

tp_status probe_build(const struct probe_spec *spec, const uint8_t rnd[64], tp_writer *wr,
                      tp_error *err)
{
    if (spec->kind == PROBE_SSL2)
        return build_ssl2(rnd, wr, err);
    if (spec->n_suites == 0 && !spec->fallback_scsv)
        return tp_fail(err, TP_E_INTERNAL, "probe with no cipher suite");
    return build_tls(spec, rnd, wr, err);
}

/* ---- interpreting the reply ---- */

static void set_why(struct probe_result *out, const char *fmt, ...) TP_PRINTF(2, 3);
static void set_why(struct probe_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
}

static void take_ske(const tp_flight *f, struct probe_result *out)
{
    if (!f->has_ske || !f->ske_parsed)
        return;
    switch (f->ske.params) {
    case TP_SKE_ECDHE:
        out->has_group = true;
        out->group = f->ske.group;
        out->kx_bits = plan_group_bits(f->ske.group);
        break;
    case TP_SKE_DHE:
        out->kx_bits = f->ske.dh_p_bits;
        break;
    case TP_SKE_RSA:
        out->kx_bits = f->ske.rsa_modulus_bits;
        break;
    default:
        break;
    }
    out->has_sigalg = f->ske.has_sigalg;
    out->sigalg = f->ske.sigalg;
    if (f->ske.has_psk_hint) {
        size_t n = 0;
        while (n < f->ske.psk_hint_len && n < PROBE_MAX_PSK_HINT && f->ske.psk_hint[n] != 0) {
            out->psk_hint[n] = (char)f->ske.psk_hint[n];
            n++;
        }
        out->psk_hint[n] = '\0';
        out->has_psk_hint = true;
    }
}

static void take_server_hello(const tp_flight *f, struct probe_result *out)
{
    const tp_server_hello *sh = &f->sh;
    out->outcome = PROBE_ACCEPTED;
    out->hrr = sh->is_hrr;
    out->version = sh->version;
    out->suite = sh->cipher_suite;
    out->compression = sh->compression;
    if (sh->has_key_share) {
        out->has_group = true;
        out->group = sh->key_share_group;
        out->kx_bits = plan_group_bits(sh->key_share_group);
        out->key_share_len = sh->key_share_len;
    }
    out->renegotiation_info = sh->has_renegotiation_info;
    out->extended_master_secret = sh->extended_master_secret;
    out->encrypt_then_mac = sh->encrypt_then_mac;
    out->session_ticket = sh->session_ticket;
    out->status_request = sh->status_request;
    out->max_fragment_length = sh->max_fragment_length;
    out->record_size_limit = sh->record_size_limit;
    out->heartbeat = tp_ext_find(&sh->exts, EXT_HEARTBEAT) != NULL;
    out->psk_accepted = sh->has_pre_shared_key;
    if (f->has_certificate)
        out->n_certs = f->certificate.n_total;
    take_ske(f, out);
    const char *vname = tp_version_name(sh->version);
    const struct tp_suite_info *info = tp_suite_by_code(sh->cipher_suite);
    const char *sname = info != NULL ? tp_suite_name(info) : NULL;
    set_why(out, "%s %s, cipher suite 0x%04X%s%s", sh->is_hrr ? "HelloRetryRequest" : "ServerHello",
            vname != NULL ? vname : "(unknown version)", sh->cipher_suite,
            sname != NULL ? " " : "", sname != NULL ? sname : "");
}

static void take_ssl2(const tp_flight *f, struct probe_result *out)
{
    out->outcome = PROBE_ACCEPTED;
    out->version = TP_VER_SSL2;
    out->n_ssl2_kinds_total = f->ssl2.n_kinds;
    for (size_t i = 0; i < f->ssl2.n_kinds && out->n_ssl2_kinds < PROBE_MAX_SSL2_KINDS; i++)
        out->ssl2_kinds[out->n_ssl2_kinds++] = tp_ssl2_kind_at(f->ssl2.kinds, i);
    out->n_certs = f->ssl2.certificate_len > 0 ? 1 : 0;
    set_why(out, "SSLv2 SERVER-HELLO with %zu cipher kinds", f->ssl2.n_kinds);
}

static bool interpret_need_more(size_t len, bool closed, bool reset, struct probe_result *out)
{
    if (closed) {
        if (len == 0 && !reset) {
            out->outcome = PROBE_REFUSED;
            set_why(out, "connection closed without an alert");
        } else if (len == 0) {
            out->outcome = PROBE_UNKNOWN;
            out->transport_failure = true;
            out->reset = true;
            set_why(out, "connection reset without a reply");
        } else {
            out->outcome = PROBE_UNKNOWN;
            set_why(out, "connection %s after %zu bytes, inside a record (truncated reply)",
                    reset ? "reset" : "closed", len);
        }
        return true;
    }
    if (len >= PROBE_MAX_BYTES) {
        out->outcome = PROBE_UNKNOWN;
        set_why(out, "server sent more than %zu bytes without a decisive message",
                PROBE_MAX_BYTES);
        return true;
    }
    return false;
}

/* Offset of the first alert record that follows handshake records only, 0
 * if there is none (the record header of RFC 5246 Sec. 6.2.1: type,
 * version, 2-byte length). */
static size_t alert_after_handshake(const uint8_t *buf, size_t len)
{
    tp_reader rd;
    tp_rd_init(&rd, buf, len, NULL);
    while (tp_rd_left(&rd) > 0) {
        size_t at = rd.pos;
        tp_record rec;
        if (tp_record_read(&rd, &rec) != TP_OK)
            return 0; /* incomplete or malformed: no clean cut */
        if (rec.type == TP_CT_ALERT)
            return at;
        if (rec.type != TP_CT_HANDSHAKE)
            return 0;
    }
    return 0;
}

/* Whether buf[0..len) holds a whole TLS <= 1.2 first flight, through
 * ServerHelloDone, with no alert in it. */
static bool whole_flight(const uint8_t *buf, size_t len)
{
    tp_flight f;
    tp_flight_init(&f);
    bool whole = tp_flight_classify(&f, buf, len) == TP_OK && f.kind == TP_FLIGHT_SERVER_HELLO &&
                 f.flight_complete && !f.has_alert && !f.change_cipher_spec &&
                 f.sh.version < TP_VER_TLS13;
    tp_flight_finish(&f);
    return whole;
}

bool probe_interpret(const struct probe_spec *spec, const uint8_t *buf, size_t len, bool closed,
                     bool reset, struct probe_result *out)
{
    tp_flight f;
    bool decisive = true;
    /* A half-closed probe: having sent its whole flight, the server reads
     * our end-of-stream where it waits for the client's next flight and
     * says so with an alert (decode_error, unexpected_message) and a close.
     * That answers our FIN, not the suite: read the flight without it. */
    if (out->half_closed && spec->want_flight) {
        size_t cut = alert_after_handshake(buf, len);
        if (cut > 0 && whole_flight(buf, cut)) {
            len = cut;
            closed = reset = false;
        }
    }
    tp_flight_init(&f);
    /* Each call reads everything received so far afresh; only the
     * transport facts carry over. */
    bool connected = out->connected, got_bytes = out->got_bytes, half_closed = out->half_closed;
    uint32_t first_byte_ms = out->first_byte_ms, connect_ms = out->connect_ms;
    memset(out, 0, sizeof *out);
    out->connected = connected;
    out->connect_ms = connect_ms;
    out->got_bytes = got_bytes;
    out->half_closed = half_closed;
    out->first_byte_ms = first_byte_ms;
    out->alert = -1;
    if (tp_flight_classify(&f, buf, len) != TP_OK) {
        set_why(out, "out of memory classifying the reply");
        goto done;
    }
    switch (f.kind) {
    case TP_FLIGHT_NEED_MORE:
        decisive = interpret_need_more(len, closed, reset, out);
        break;
    case TP_FLIGHT_SERVER_HELLO:
    case TP_FLIGHT_HELLO_RETRY:
        take_server_hello(&f, out);
        /* TLS <= 1.2: wait for ServerHelloDone when the caller wants the
         * ServerKeyExchange (RFC 5246 Sec. 7.3), unless the peer is gone or
         * the byte cap is reached. */
        decisive = !spec->want_flight || f.flight_complete || closed || len >= PROBE_MAX_BYTES ||
                   f.sh.is_hrr || f.sh.version >= TP_VER_TLS13;
        /* RFC 5246 Sec. 7.3: a full handshake's first flight ends with
         * ServerHelloDone; an alert (no ChangeCipherSpec: no resumption is
         * offered) or a close before it abandons the suite just selected. */
        if (spec->want_flight && !f.sh.is_hrr && f.sh.version < TP_VER_TLS13 &&
            ((f.has_alert && !f.change_cipher_spec) || (closed && !f.flight_complete))) {
            out->died_after_hello = true;
            size_t n = strlen(out->why);
            if (f.has_alert) {
                const char *name = tp_alert_name(f.alert.description);
                out->alert = f.alert.description;
                snprintf(out->why + n, sizeof out->why - n, ", then alert %s (%u)",
                         name != NULL ? name : "unassigned", f.alert.description);
            } else {
                snprintf(out->why + n, sizeof out->why - n, ", then a close before ServerHelloDone");
            }
        }
        break;
    case TP_FLIGHT_ALERT:
        out->outcome = PROBE_REFUSED;
        out->alert = f.alert.description;
        {
            const char *name = tp_alert_name(f.alert.description);
            set_why(out, "alert %s (%u)", name != NULL ? name : "unassigned",
                    f.alert.description);
        }
        break;
    case TP_FLIGHT_SSL2_SERVER_HELLO:
        take_ssl2(&f, out);
        break;
    case TP_FLIGHT_SSL2_ERROR:
        out->outcome = PROBE_REFUSED;
        {
            const char *name = tp_ssl2_error_name(f.ssl2_error);
            set_why(out, "SSLv2 ERROR %s (0x%04x)", name != NULL ? name : "unassigned",
                    f.ssl2_error);
        }
        break;
    case TP_FLIGHT_NOT_TLS:
        set_why(out, "reply is not TLS (first bytes %02x %02x %02x)", buf[0],
                len > 1 ? buf[1] : 0, len > 2 ? buf[2] : 0);
        break;
    case TP_FLIGHT_MALFORMED:
    default:
        set_why(out, "malformed reply: %s", f.error.msg[0] ? f.error.msg : "unparsable");
        break;
    }
done:
    tp_flight_finish(&f);
    return decisive;
}

/* ---- the socket part ---- */

static uint32_t ms_since(uint64_t t0)
{
    uint64_t d = (tp_now_ns() - t0) / 1000000u;
    return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Read until decisive, closed, reset or the time-out. */
static void read_reply(int fd, const struct probe_spec *spec, uint8_t *buf, uint64_t sent_at,
                       tp_deadline until, uint32_t timeout_ms, struct probe_result *out)
{
    size_t len = 0;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)tp_deadline_left_ms(until));
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 || r < 0) {
            if (out->outcome == PROBE_ACCEPTED) {
                /* The ServerHello decided; only the rest of the flight is late. */
                size_t n = strlen(out->why);
                snprintf(out->why + n, sizeof out->why - n, " (flight incomplete)");
            } else {
                out->outcome = PROBE_UNKNOWN;
                out->transport_failure = true;
                if (len == 0)
                    set_why(out, "no reply within %u ms", timeout_ms);
                else
                    set_why(out, "no decisive reply within %u ms (%zu bytes received)",
                            timeout_ms, len);
            }
            break;
        }
        ssize_t n = recv(fd, buf + len, PROBE_MAX_BYTES - len, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        bool closed = n <= 0;
        bool reset = n < 0;
        if (n > 0) {
            if (len == 0) {
                out->got_bytes = true;
                out->first_byte_ms = ms_since(sent_at);
            }
            len += (size_t)n;
        }
        if (probe_interpret(spec, buf, len, closed, reset, out) || closed)
            break;
    }
    out->decisive_ms = ms_since(sent_at);
}

/* The plaintext dialogue before the hello. A refusal or a peer that is not
 * the service says nothing about the offer (UNKNOWN); only a time-out or a
 * socket error is worth a retry. */
static bool probe_starttls(int fd, const struct probe_starttls *starttls, uint32_t connect_ms,
                           tp_deadline deadline, struct probe_result *out)
{
    if (starttls == NULL || starttls->proto == TP_STARTTLS_NONE)
        return true;
    tp_error err = {0};
    uint64_t began = tp_now_ns();
    tp_status status = net_starttls(fd, starttls->proto, starttls->host,
                                    tp_deadline_min_ms(deadline, connect_ms), &err);
    out->starttls_ms = ms_since(began);
    if (status == TP_OK)
        return true;
    out->transport_failure = status == TP_E_TIMEOUT || status == TP_E_CONNECT;
    set_why(out, "STARTTLS: %s", err.msg);
    return false;
}

void probe_run(const struct probe_spec *spec, const struct tp_addr *addr, uint32_t connect_ms,
               uint32_t timeout_ms, tp_deadline deadline, const struct probe_starttls *starttls,
               struct probe_result *out)
{
    probe_run_conn(spec, addr, NULL, NULL, NULL, connect_ms, timeout_ms, deadline, starttls, out);
}

/* The probe's connection: the one started ahead, else a new one. */
static bool probe_connect(const struct tp_addr *addr, struct probe_conn *use, uint32_t connect_ms,
                          tp_deadline deadline, int *fd, struct probe_result *out)
{
    tp_error err = {0};
    if (use != NULL && use->fd >= 0) {
        *fd = use->fd;
        use->fd = -1;
        if (net_connect_wait(*fd, addr, connect_ms, deadline, &err) == TP_OK)
            return true;
    } else {
        uint64_t connect_at = tp_now_ns();
        if (net_connect_addr(addr, connect_ms, deadline, fd, &err) == TP_OK) {
            out->connect_ms = ms_since(connect_at);
            return true;
        }
    }
    out->transport_failure = true;
    set_why(out, "%s", err.msg);
    return false;
}

/* The warm connections (struct probe_warm), paced: the reply waits in the
 * socket meanwhile, its timing taken from when the hello was sent. */
static void start_warm(const struct tp_addr *addr, struct probe_warm *warm, uint32_t connect_ms)
{
    warm->n = 0;
    if (warm->want == 0 || connect_ms < warm->slow_ms)
        return;
    uint64_t from = tp_now_ns();
    for (unsigned i = 0; i < warm->want && i < PROBE_MAX_WARM; i++) {
        uint64_t at = from + ((uint64_t)warm->offset_ms + (uint64_t)i * warm->spacing_ms) * 1000000u;
        uint64_t now = tp_now_ns();
        if (at > now) {
            uint64_t d = at - now;
            struct timespec ts = {.tv_sec = (time_t)(d / 1000000000u),
                                  .tv_nsec = (long)(d % 1000000000u)};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
        }
        tp_error err = {0};
        int fd = -1;
        if (net_connect_start(addr, &fd, &err) != TP_OK)
            break;
        warm->fds[warm->n++] = fd;
    }
}

void probe_run_conn(const struct probe_spec *spec, const struct tp_addr *addr,
                    struct probe_conn *use, struct probe_conn *ahead, struct probe_warm *warm,
                    uint32_t connect_ms,
                    uint32_t timeout_ms, tp_deadline deadline,
                    const struct probe_starttls *starttls, struct probe_result *out)
{
    uint8_t rnd[64];
    tp_writer wr;
    tp_error err = {0};
    uint8_t *buf = NULL;
    int fd = -1;
    int err_no = 0;

    memset(out, 0, sizeof *out);
    out->alert = -1;
    if (ahead != NULL)
        ahead->fd = -1;
    if (warm != NULL)
        warm->n = 0;
    tp_wr_init(&wr, 0, &err);
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        set_why(out, "getrandom: %s", strerror(errno));
        goto out;
    }
    if (probe_build(spec, rnd, &wr, &err) != TP_OK) {
        set_why(out, "cannot build the hello: %s", err.msg);
        goto out;
    }
    buf = malloc(PROBE_MAX_BYTES);
    if (buf == NULL) {
        set_why(out, "out of memory");
        goto out;
    }
    if (!probe_connect(addr, use, connect_ms, deadline, &fd, out))
        goto out;
    out->connected = true;
    if (!probe_starttls(fd, starttls, connect_ms, deadline, out))
        goto out;
    uint64_t sent_at = tp_now_ns();
    tp_deadline until = tp_deadline_min_ms(deadline, timeout_ms);
    if ((err_no = net_send_all(fd, tp_wr_data(&wr), tp_wr_len(&wr), until)) != 0) {
        out->transport_failure = true;
        set_why(out, "sending the hello failed: %s", strerror(err_no));
        goto out;
    }
    /* RFC 793 Sec. 3.5: a half-closed connection still carries the reply. */
    bool slow_connect = spec->half_close_connect_ms != 0 &&
                        out->connect_ms >= spec->half_close_connect_ms;
    if ((spec->half_close || slow_connect) && shutdown(fd, SHUT_WR) == 0)
        out->half_closed = true;
    if (ahead != NULL && net_connect_start(addr, &ahead->fd, &err) != TP_OK)
        ahead->fd = -1;
    if (warm != NULL && out->connect_ms != 0)
        start_warm(addr, warm, out->connect_ms);
    read_reply(fd, spec, buf, sent_at, until, timeout_ms, out);
out:
    /* A connection started ahead is the probe's even when unused. */
    if (use != NULL && use->fd >= 0) {
        close(use->fd);
        use->fd = -1;
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    tp_wr_finish(&wr);
}

/* clienthello.c: ClientHello build and parse (RFC 8446 Sec. 4.1.2, RFC 5246
 * Sec. 7.4.1.2) and SSL 2.0 CLIENT-HELLO (draft-hickman-netscape-ssl-00).
 * See clienthello.h for the structures and the extensions covered. */
#include "wire/clienthello.h"

#include <string.h>

#include "wire/keyshare.h"
#include "wire/record.h"

#include "util/banned.h"

#define FFDHE2048_BYTES 256

static tp_status check_spec(const tp_ch_spec *s, tp_error *err)
{
    if (s->random == NULL)
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: random is required");
    if (s->session_id_len > 32 || (s->session_id_len > 0 && s->session_id == NULL))
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: session id of %zu bytes",
                       s->session_id_len);
    /* RFC 6347 Sec. 4.2.1: opaque cookie<0..2^8-1>. */
    if (s->dtls_cookie_len > 255 || (s->dtls_cookie_len > 0 && s->dtls_cookie == NULL) ||
        (s->dtls_cookie_len > 0 && !s->dtls))
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: DTLS cookie of %zu bytes",
                       s->dtls_cookie_len);
    /* RFC 5246 Sec. 7.4.1.2: CipherSuite cipher_suites<2..2^16-2>. */
    if (s->n_suites == 0 || s->n_suites > 0x7fff)
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: %zu cipher suites", s->n_suites);
    if (s->compression != NULL && (s->n_compression == 0 || s->n_compression > 255))
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: %zu compression methods",
                       s->n_compression);
    if (s->sni != NULL && (s->sni[0] == '\0' || strlen(s->sni) > 0xff00))
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: bad server name length");
    for (size_t i = 0; i < s->n_alpn; i++) {
        size_t n = strlen(s->alpn[i]);
        /* RFC 7301 Sec. 3.1: opaque ProtocolName<1..2^8-1>. */
        if (n == 0 || n > 255)
            return tp_fail(err, TP_E_USAGE, "ClientHello spec: ALPN name of %zu bytes", n);
    }
    /* RFC 6066 Sec. 4: MaxFragmentLength is 2^9(1) .. 2^12(4). */
    if (s->max_fragment_length > 4)
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: max_fragment_length %u",
                       s->max_fragment_length);
    /* RFC 8449 Sec. 4: "Endpoints MUST NOT send a value smaller than 64." */
    if (s->record_size_limit != 0 && s->record_size_limit < 64)
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: record_size_limit %u < 64",
                       s->record_size_limit);
    /* RFC 8446 Sec. 4.2.11: identity<1..2^16-1>, PskBinderEntry<32..255>
     * (a binder is one Hash.length). */
    if (s->psk_identity != NULL &&
        (s->psk_identity_len == 0 || s->psk_identity_len > 0xff00 || s->psk_binder_len < 32 ||
         s->psk_binder_len > 255))
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: PSK identity of %zu bytes, binder of %zu",
                       s->psk_identity_len, s->psk_binder_len);
    return TP_OK;
}

static void put_u16s(tp_writer *wr, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_wr_u16(wr, v[i]);
}

static void ext_empty(tp_writer *wr, uint16_t type)
{
    tp_wr_u16(wr, type);
    tp_wr_u16(wr, 0);
}

static void ext_u16_vec(tp_writer *wr, uint16_t type, const uint16_t *v, size_t n, size_t width)
{
    tp_wr_u16(wr, type);
    tp_wr_mark ext = tp_wr_begin_u16(wr);
    tp_wr_mark vec = width == 1 ? tp_wr_begin_u8(wr) : tp_wr_begin_u16(wr);
    put_u16s(wr, v, n);
    tp_wr_end(wr, vec);
    tp_wr_end(wr, ext);
}

static void ext_u8_vec(tp_writer *wr, uint16_t type, const uint8_t *v, size_t n)
{
    tp_wr_u16(wr, type);
    tp_wr_mark ext = tp_wr_begin_u16(wr);
    tp_wr_mark vec = tp_wr_begin_u8(wr);
    tp_wr_bytes(wr, v, n);
    tp_wr_end(wr, vec);
    tp_wr_end(wr, ext);
}

static void ext_sni(tp_writer *wr, const char *host)
{
    /* RFC 6066 Sec. 3: ServerName server_name_list<1..2^16-1>, each
     * {NameType name_type; HostName host_name<1..2^16-1>}. */
    tp_wr_u16(wr, TP_EXT_SERVER_NAME);
    tp_wr_mark ext = tp_wr_begin_u16(wr);
    tp_wr_mark list = tp_wr_begin_u16(wr);
    tp_wr_u8(wr, 0); /* host_name */
    tp_wr_mark name = tp_wr_begin_u16(wr);
    tp_wr_bytes(wr, (const uint8_t *)host, strlen(host));
    tp_wr_end(wr, name);
    tp_wr_end(wr, list);
    tp_wr_end(wr, ext);
}

static void ext_alpn(tp_writer *wr, const char *const *names, size_t n)
{
    tp_wr_u16(wr, TP_EXT_ALPN);
    tp_wr_mark ext = tp_wr_begin_u16(wr);
    tp_wr_mark list = tp_wr_begin_u16(wr);
    for (size_t i = 0; i < n; i++) {
        tp_wr_mark name = tp_wr_begin_u8(wr);
        tp_wr_bytes(wr, (const uint8_t *)names[i], strlen(names[i]));
        tp_wr_end(wr, name);
    }
    tp_wr_end(wr, list);
    tp_wr_end(wr, ext);
}

static void ext_status_request(tp_writer *wr)
{
    /* RFC 6066 Sec. 8: CertificateStatusRequest {ocsp(1); ResponderID
     * responder_id_list<0..2^16-1>; Extensions request_extensions<0..2^16-1>}. */
    tp_wr_u16(wr, TP_EXT_STATUS_REQUEST);
    tp_wr_u16(wr, 5);
    tp_wr_u8(wr, 1);
    tp_wr_u16(wr, 0);
    tp_wr_u16(wr, 0);
}

static tp_status key_share_entry(tp_writer *wr, const tp_ch_spec *s, const tp_ch_key_share *ks,
                                 tp_error *err)
{
    tp_wr_u16(wr, ks->group);
    tp_wr_mark kx = tp_wr_begin_u16(wr);
    if (ks->data != NULL) {
        if (ks->len == 0)
            return tp_fail(err, TP_E_USAGE, "key share for group 0x%04x is empty", ks->group);
        tp_wr_bytes(wr, ks->data, ks->len);
    } else if (ks->group == TP_GROUP_X25519) {
        if (s->x25519_public == NULL)
            return tp_fail(err, TP_E_USAGE, "x25519 key share needs x25519_public");
        /* RFC 7748 Sec. 5: any 32-byte string is a valid X25519 input. */
        tp_wr_bytes(wr, s->x25519_public, 32);
    } else if (ks->group == TP_GROUP_SECP256R1 || ks->group == TP_GROUP_SECP384R1) {
        size_t n = 0;
        const uint8_t *g = tp_ks_ec_generator(ks->group, &n);
        tp_wr_bytes(wr, g, n);
    } else if (ks->group == TP_GROUP_FFDHE2048) {
        /* RFC 8446 Sec. 4.2.8.1: Y left-padded to the size of p. */
        tp_wr_zeros(wr, FFDHE2048_BYTES - 1);
        tp_wr_u8(wr, 2);
    } else {
        return tp_fail(err, TP_E_UNSUPPORTED, "no built-in key share for group 0x%04x",
                       ks->group);
    }
    tp_wr_end(wr, kx);
    return TP_OK;
}

static tp_status ext_key_share(tp_writer *wr, const tp_ch_spec *s, tp_error *err)
{
    tp_wr_u16(wr, TP_EXT_KEY_SHARE);
    tp_wr_mark ext = tp_wr_begin_u16(wr);
    tp_wr_mark list = tp_wr_begin_u16(wr);
    for (size_t i = 0; i < s->n_key_shares; i++)
        TP_TRY(key_share_entry(wr, s, &s->key_shares[i], err));
    tp_wr_end(wr, list);
    tp_wr_end(wr, ext);
    return TP_OK;
}

/* The whole pre_shared_key extension's size: type, length, identities
 * (length, identity length, identity, age) and binders (length, binder
 * length, binder). */
static size_t psk_ext_size(const tp_ch_spec *s)
{
    if (s->psk_identity == NULL)
        return 0;
    return 2 + 2 + 2 + 2 + s->psk_identity_len + 4 + 2 + 1 + s->psk_binder_len;
}

static void ext_pre_shared_key(tp_writer *wr, const tp_ch_spec *s, size_t msg_start,
                               tp_ch_psk_layout *layout)
{
    tp_wr_u16(wr, TP_EXT_PRE_SHARED_KEY);
    tp_wr_mark ext = tp_wr_begin_u16(wr);
    tp_wr_mark ids = tp_wr_begin_u16(wr);
    tp_wr_mark id = tp_wr_begin_u16(wr);
    tp_wr_bytes(wr, s->psk_identity, s->psk_identity_len);
    tp_wr_end(wr, id);
    tp_wr_u32(wr, s->psk_ticket_age);
    tp_wr_end(wr, ids);
    if (layout != NULL)
        layout->truncated_len = tp_wr_len(wr) - msg_start;
    tp_wr_mark binders = tp_wr_begin_u16(wr);
    tp_wr_mark binder = tp_wr_begin_u8(wr);
    if (layout != NULL)
        layout->binder_at = tp_wr_len(wr) - msg_start;
    tp_wr_zeros(wr, s->psk_binder_len);
    tp_wr_end(wr, binder);
    tp_wr_end(wr, binders);
    tp_wr_end(wr, ext);
}

static bool wants_extensions(const tp_ch_spec *s)
{
    return s->sni != NULL || s->n_groups > 0 || s->n_ec_point_formats > 0 || s->n_sigalgs > 0 ||
           s->n_versions > 0 || s->key_share_ext || s->n_psk_modes > 0 ||
           s->renegotiation_info || s->extended_master_secret || s->encrypt_then_mac ||
           s->session_ticket || s->status_request || s->n_alpn > 0 ||
           s->max_fragment_length != 0 || s->record_size_limit != 0 || s->n_extra > 0 ||
           s->padding || s->psk_identity != NULL;
}

/* RFC 7685 Sec. 4 and the F5 workaround it was made for: a ClientHello
 * whose handshake message is 256..511 bytes long hangs some servers, so
 * pad it to 512. At least one byte of data, since some servers reject an
 * empty extension as the last one. */
static void ext_padding(tp_writer *wr, size_t msg_len)
{
    if (msg_len < 256 || msg_len > 511)
        return;
    size_t pad = 512 - msg_len;
    pad = pad >= 4 + 1 ? pad - 4 : 1;
    tp_wr_u16(wr, TP_EXT_PADDING);
    tp_wr_u16(wr, (uint16_t)pad);
    tp_wr_zeros(wr, pad);
}

/* The order is the one of RFC 8448 Sec. 3 for the extensions it has, so
 * that its ClientHello can be rebuilt byte for byte; the raw extras and the
 * padding come last, then pre_shared_key, which must be last. */
static tp_status write_extensions(const tp_ch_spec *s, tp_writer *wr, size_t msg_start,
                                  tp_ch_psk_layout *layout, tp_error *err)
{
    tp_wr_mark exts = tp_wr_begin_u16(wr);
    if (s->sni != NULL)
        ext_sni(wr, s->sni);
    if (s->extended_master_secret)
        ext_empty(wr, TP_EXT_EXTENDED_MASTER_SECRET);
    if (s->renegotiation_info) {
        /* RFC 5746 Sec. 3.4: an initial hello has an empty renegotiated_connection. */
        static const uint8_t empty = 0;
        ext_u8_vec(wr, TP_EXT_RENEGOTIATION_INFO, &empty, 0);
    }
    if (s->n_groups > 0)
        ext_u16_vec(wr, TP_EXT_SUPPORTED_GROUPS, s->groups, s->n_groups, 2);
    if (s->n_ec_point_formats > 0)
        ext_u8_vec(wr, TP_EXT_EC_POINT_FORMATS, s->ec_point_formats, s->n_ec_point_formats);
    if (s->session_ticket)
        ext_empty(wr, TP_EXT_SESSION_TICKET);
    if (s->n_alpn > 0)
        ext_alpn(wr, s->alpn, s->n_alpn);
    if (s->status_request)
        ext_status_request(wr);
    if (s->key_share_ext)
        TP_TRY(ext_key_share(wr, s, err));
    if (s->n_versions > 0)
        ext_u16_vec(wr, TP_EXT_SUPPORTED_VERSIONS, s->versions, s->n_versions, 1);
    if (s->n_sigalgs > 0)
        ext_u16_vec(wr, TP_EXT_SIGNATURE_ALGORITHMS, s->sigalgs, s->n_sigalgs, 2);
    if (s->n_psk_modes > 0)
        ext_u8_vec(wr, TP_EXT_PSK_KEY_EXCHANGE_MODES, s->psk_modes, s->n_psk_modes);
    if (s->encrypt_then_mac)
        ext_empty(wr, TP_EXT_ENCRYPT_THEN_MAC);
    if (s->max_fragment_length != 0) {
        tp_wr_u16(wr, TP_EXT_MAX_FRAGMENT_LENGTH);
        tp_wr_u16(wr, 1);
        tp_wr_u8(wr, s->max_fragment_length);
    }
    if (s->record_size_limit != 0) {
        tp_wr_u16(wr, TP_EXT_RECORD_SIZE_LIMIT);
        tp_wr_u16(wr, 2);
        tp_wr_u16(wr, s->record_size_limit);
    }
    for (size_t i = 0; i < s->n_extra; i++) {
        tp_wr_u16(wr, s->extra[i].type);
        tp_wr_mark e = tp_wr_begin_u16(wr);
        tp_wr_bytes(wr, s->extra[i].data, s->extra[i].len);
        tp_wr_end(wr, e);
    }
    /* The padding counts the pre_shared_key that follows it: RFC 7685
     * pads the whole message. */
    if (s->padding)
        ext_padding(wr, tp_wr_len(wr) - msg_start + psk_ext_size(s));
    if (s->psk_identity != NULL)
        ext_pre_shared_key(wr, s, msg_start, layout);
    tp_wr_end(wr, exts);
    return TP_OK;
}

static tp_status build_message(const tp_ch_spec *s, tp_writer *wr, tp_ch_psk_layout *layout,
                               tp_error *err)
{
    TP_TRY(check_spec(s, err));
    if (s->no_extensions && wants_extensions(s))
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: extensions with no_extensions");
    size_t msg_start = tp_wr_len(wr);
    tp_wr_u8(wr, TP_HS_CLIENT_HELLO);
    tp_wr_mark body = tp_wr_begin_u24(wr);
    tp_wr_u16(wr, s->legacy_version);
    tp_wr_bytes(wr, s->random, 32);
    tp_wr_mark sid = tp_wr_begin_u8(wr);
    tp_wr_bytes(wr, s->session_id, s->session_id_len);
    tp_wr_end(wr, sid);
    if (s->dtls) {
        tp_wr_mark cookie = tp_wr_begin_u8(wr);
        tp_wr_bytes(wr, s->dtls_cookie, s->dtls_cookie_len);
        tp_wr_end(wr, cookie);
    }
    tp_wr_mark suites = tp_wr_begin_u16(wr);
    put_u16s(wr, s->suites, s->n_suites);
    tp_wr_end(wr, suites);
    tp_wr_mark comp = tp_wr_begin_u8(wr);
    if (s->compression != NULL)
        tp_wr_bytes(wr, s->compression, s->n_compression);
    else
        tp_wr_u8(wr, 0);
    tp_wr_end(wr, comp);
    if (wants_extensions(s))
        TP_TRY(write_extensions(s, wr, msg_start, layout, err));
    tp_wr_end(wr, body);
    return tp_wr_status(wr);
}

tp_status tp_ch_build_message(const tp_ch_spec *s, tp_writer *wr, tp_error *err)
{
    return build_message(s, wr, NULL, err);
}

tp_status tp_ch_build_message_psk(const tp_ch_spec *s, tp_writer *wr, tp_ch_psk_layout *layout,
                                  tp_error *err)
{
    if (s->psk_identity == NULL)
        return tp_fail(err, TP_E_USAGE, "ClientHello spec: no PSK identity");
    return build_message(s, wr, layout, err);
}

tp_status tp_ch_build(const tp_ch_spec *s, tp_writer *wr, tp_error *err)
{
    tp_writer msg;
    tp_wr_init(&msg, 0, err);
    tp_status st = tp_ch_build_message(s, &msg, err);
    if (st != TP_OK)
        goto out;
    tp_record_write(wr, TP_CT_HANDSHAKE, s->record_version, tp_wr_data(&msg), tp_wr_len(&msg),
                    s->max_record_fragment);
    st = tp_wr_status(wr);
out:
    tp_wr_finish(&msg);
    return st;
}

/* ---- parsing ---- */

static tp_status parse_sni(tp_reader *rd, tp_client_hello *ch)
{
    tp_reader list;
    TP_TRY(tp_rd_sub_u16(rd, "server_name_list", 1, 0xffff, &list));
    TP_TRY(tp_rd_expect_end(rd, "server_name extension"));
    while (tp_rd_left(&list) > 0) {
        uint8_t type;
        tp_reader name;
        TP_TRY(tp_rd_u8(&list, "server_name name_type", &type));
        /* RFC 6066 Sec. 3 defines only host_name(0), and the length of any
         * other type's data is unknown, so the rest cannot be parsed. */
        if (type != 0)
            return tp_fail(rd->err, TP_E_PARSE, "server_name name_type %u unknown", type);
        TP_TRY(tp_rd_sub_u16(&list, "server_name host_name", 1, 0xffff, &name));
        /* RFC 6066 Sec. 3: "The ServerNameList MUST NOT contain more than
         * one name of the same name_type." */
        if (ch->sni != NULL)
            return tp_fail(rd->err, TP_E_PARSE, "server_name has two host_name entries");
        ch->sni = name.base;
        ch->sni_len = name.len;
    }
    return TP_OK;
}

static tp_status parse_alpn(tp_reader *rd, tp_client_hello *ch)
{
    tp_reader list;
    /* RFC 7301 Sec. 3.1: ProtocolName protocol_name_list<2..2^16-1>. */
    TP_TRY(tp_rd_sub_u16(rd, "ALPN protocol_name_list", 2, 0xffff, &list));
    TP_TRY(tp_rd_expect_end(rd, "ALPN extension"));
    while (tp_rd_left(&list) > 0) {
        tp_reader name;
        TP_TRY(tp_rd_sub_u8(&list, "ALPN protocol_name", 1, 0xff, &name));
        if (ch->n_alpn == TP_CH_MAX_ALPN)
            return tp_fail(rd->err, TP_E_LIMIT, "more than %d ALPN names", TP_CH_MAX_ALPN);
        ch->alpn[ch->n_alpn] = name.base;
        ch->alpn_len[ch->n_alpn] = (uint8_t)name.len;
        ch->n_alpn++;
    }
    return TP_OK;
}

static tp_status parse_key_share(tp_reader *rd, tp_client_hello *ch)
{
    tp_reader list;
    TP_TRY(tp_rd_sub_u16(rd, "key_share client_shares", 0, 0xffff, &list));
    TP_TRY(tp_rd_expect_end(rd, "key_share extension"));
    while (tp_rd_left(&list) > 0) {
        uint16_t group;
        tp_reader kx;
        TP_TRY(tp_rd_u16(&list, "key_share group", &group));
        TP_TRY(tp_rd_sub_u16(&list, "key_share key_exchange", 1, 0xffff, &kx));
        for (size_t i = 0; i < ch->n_key_shares; i++)
            /* RFC 8446 Sec. 4.2.8: "Clients MUST NOT offer multiple
             * KeyShareEntry values for the same group." */
            if (ch->key_share_groups[i] == group)
                return tp_fail(rd->err, TP_E_PARSE, "key_share offers group 0x%04x twice",
                               group);
        if (ch->n_key_shares == TP_CH_MAX_KEY_SHARES)
            return tp_fail(rd->err, TP_E_LIMIT, "more than %d key shares",
                           TP_CH_MAX_KEY_SHARES);
        ch->key_share_groups[ch->n_key_shares++] = group;
    }
    return TP_OK;
}

static tp_status parse_u8_list(tp_reader *rd, const char *field, const uint8_t **p, size_t *n)
{
    tp_reader v;
    TP_TRY(tp_rd_sub_u8(rd, field, 1, 0xff, &v));
    TP_TRY(tp_rd_expect_end(rd, field));
    *p = v.base;
    *n = v.len;
    return TP_OK;
}

static tp_status parse_u16_ext(tp_reader *rd, const char *field, size_t width, size_t min,
                               size_t max, tp_u16_list *out)
{
    TP_TRY(tp_rd_u16_list(rd, field, width, min, max, out));
    return tp_rd_expect_end(rd, field);
}

static tp_status parse_known(const tp_ext_view *e, tp_client_hello *ch, tp_error *err)
{
    tp_reader rd;
    tp_rd_init(&rd, e->data, e->len, err);
    switch (e->type) {
    case TP_EXT_SERVER_NAME:
        return parse_sni(&rd, ch);
    case TP_EXT_ALPN:
        return parse_alpn(&rd, ch);
    case TP_EXT_SUPPORTED_GROUPS:
        /* RFC 8446 Sec. 4.2.7: NamedGroup named_group_list<2..2^16-1>. */
        return parse_u16_ext(&rd, "supported_groups", 2, 2, 0xffff, &ch->groups);
    case TP_EXT_SIGNATURE_ALGORITHMS:
        /* RFC 8446 Sec. 4.2.3: supported_signature_algorithms<2..2^16-2>. */
        return parse_u16_ext(&rd, "signature_algorithms", 2, 2, 0xfffe, &ch->sigalgs);
    case TP_EXT_SUPPORTED_VERSIONS:
        /* RFC 8446 Sec. 4.2.1: ProtocolVersion versions<2..254>. */
        return parse_u16_ext(&rd, "supported_versions", 1, 2, 254, &ch->versions);
    case TP_EXT_EC_POINT_FORMATS:
        /* RFC 8422 Sec. 5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>. */
        return parse_u8_list(&rd, "ec_point_formats", &ch->ec_point_formats,
                             &ch->n_ec_point_formats);
    case TP_EXT_KEY_SHARE:
        return parse_key_share(&rd, ch);
    case TP_EXT_PSK_KEY_EXCHANGE_MODES:
        /* RFC 8446 Sec. 4.2.9: PskKeyExchangeMode ke_modes<1..255>. */
        return parse_u8_list(&rd, "psk_key_exchange_modes", &ch->psk_modes, &ch->n_psk_modes);
    case TP_EXT_RENEGOTIATION_INFO: {
        /* RFC 5746 Sec. 3.2: opaque renegotiated_connection<0..255>. */
        tp_reader v;
        TP_TRY(tp_rd_sub_u8(&rd, "renegotiation_info renegotiated_connection", 0, 255, &v));
        ch->has_renegotiation_info = true;
        return tp_rd_expect_end(&rd, "renegotiation_info extension");
    }
    case TP_EXT_EXTENDED_MASTER_SECRET:
        /* RFC 7627 Sec. 5.1: "The "extension_data" field of this extension
         * is empty." */
        ch->extended_master_secret = true;
        return tp_rd_expect_end(&rd, "extended_master_secret extension (must be empty)");
    case TP_EXT_ENCRYPT_THEN_MAC:
        /* RFC 7366 Sec. 2: "The "extension_data" field of this extension
         * SHALL be empty." */
        ch->encrypt_then_mac = true;
        return tp_rd_expect_end(&rd, "encrypt_then_mac extension (must be empty)");
    case TP_EXT_MAX_FRAGMENT_LENGTH:
        TP_TRY(tp_rd_u8(&rd, "max_fragment_length", &ch->max_fragment_length));
        /* RFC 6066 Sec. 4: enum { 2^9(1), 2^10(2), 2^11(3), 2^12(4), (255) }. */
        if (ch->max_fragment_length < 1 || ch->max_fragment_length > 4)
            return tp_fail(err, TP_E_PARSE, "max_fragment_length value %u outside 1..4",
                           ch->max_fragment_length);
        return tp_rd_expect_end(&rd, "max_fragment_length extension");
    case TP_EXT_RECORD_SIZE_LIMIT:
        TP_TRY(tp_rd_u16(&rd, "record_size_limit", &ch->record_size_limit));
        /* RFC 8449 Sec. 4: "An endpoint MUST treat receipt of a smaller
         * value [than 64] as a fatal error". */
        if (ch->record_size_limit < 64)
            return tp_fail(err, TP_E_PARSE, "record_size_limit %u is below 64",
                           ch->record_size_limit);
        return tp_rd_expect_end(&rd, "record_size_limit extension");
    default:
        return TP_OK;
    }
}

static tp_status parse_extensions(tp_reader *rd, tp_client_hello *ch)
{
    tp_reader block;
    TP_TRY(tp_rd_sub_u16(rd, "ClientHello extensions", 0, 0xffff, &block));
    TP_TRY(tp_ext_list_parse(&block, "ClientHello", &ch->exts));
    ch->has_extensions = true;
    for (size_t i = 0; i < ch->exts.n; i++) {
        const tp_ext_view *e = &ch->exts.ext[i];
        /* RFC 8446 Sec. 4.2.11: "The "pre_shared_key" extension MUST be
         * the last extension in the ClientHello". */
        if (e->type == TP_EXT_PRE_SHARED_KEY && i + 1 != ch->exts.n)
            return tp_fail(rd->err, TP_E_PARSE, "pre_shared_key is not the last extension");
        TP_TRY(parse_known(e, ch, rd->err));
    }
    return TP_OK;
}

tp_status tp_ch_parse(const uint8_t *body, size_t len, tp_client_hello *out, tp_error *err)
{
    tp_reader rd, v;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, body, len, err);
    TP_TRY(tp_rd_u16(&rd, "ClientHello legacy_version", &out->legacy_version));
    TP_TRY(tp_rd_bytes(&rd, "ClientHello random", 32, &out->random));
    TP_TRY(tp_rd_sub_u8(&rd, "ClientHello legacy_session_id", 0, 32, &v));
    out->session_id = v.base;
    out->session_id_len = v.len;
    TP_TRY(tp_rd_u16_list(&rd, "ClientHello cipher_suites", 2, 2, 0xfffe, &out->suites));
    TP_TRY(tp_rd_sub_u8(&rd, "ClientHello legacy_compression_methods", 1, 0xff, &v));
    out->compression = v.base;
    out->n_compression = v.len;
    /* RFC 5246 Sec. 7.4.1.2: "the presence of extensions can be detected by
     * determining whether there are bytes following the compression_methods
     * at the end of the ClientHello." */
    if (tp_rd_left(&rd) > 0)
        TP_TRY(parse_extensions(&rd, out));
    return tp_rd_expect_end(&rd, "ClientHello");
}

/* ---- SSL 2.0 ---- */

tp_status tp_ssl2_ch_build(const tp_ssl2_ch_spec *s, tp_writer *wr, tp_error *err)
{
    /* draft-hickman CLIENT-HELLO: "the CIPHER-SPECS-LENGTH must be > 0 and
     * a multiple of 3. The SESSION-ID-LENGTH must either be zero or 16.
     * The CHALLENGE-LENGTH must be greater than or equal to 16 and less
     * than or equal to 32." */
    if (s->n_kinds == 0 || s->n_kinds > 0x7fff / 3)
        return tp_fail(err, TP_E_USAGE, "SSLv2 CLIENT-HELLO: %zu cipher kinds", s->n_kinds);
    if (s->session_id_len != 0 && s->session_id_len != 16)
        return tp_fail(err, TP_E_USAGE, "SSLv2 CLIENT-HELLO: session id of %zu bytes",
                       s->session_id_len);
    if (s->challenge == NULL || s->challenge_len < 16 || s->challenge_len > 32)
        return tp_fail(err, TP_E_USAGE, "SSLv2 CLIENT-HELLO: challenge of %zu bytes",
                       s->challenge_len);
    size_t body = 9 + 3 * s->n_kinds + s->session_id_len + s->challenge_len;
    /* A 2-byte header holds lengths up to 32767. */
    if (body > 0x7fff)
        return tp_fail(err, TP_E_USAGE, "SSLv2 CLIENT-HELLO of %zu bytes is too long", body);
    tp_wr_u16(wr, (uint16_t)(0x8000 | body));
    tp_wr_u8(wr, 1); /* MSG-CLIENT-HELLO */
    tp_wr_u16(wr, s->version);
    tp_wr_u16(wr, (uint16_t)(3 * s->n_kinds));
    tp_wr_u16(wr, (uint16_t)s->session_id_len);
    tp_wr_u16(wr, (uint16_t)s->challenge_len);
    for (size_t i = 0; i < s->n_kinds; i++)
        tp_wr_u24(wr, s->kinds[i] & 0xffffffu);
    tp_wr_bytes(wr, s->session_id, s->session_id_len);
    tp_wr_bytes(wr, s->challenge, s->challenge_len);
    return tp_wr_status(wr);
}

tp_status tp_ssl2_ch_parse(const uint8_t *msg, size_t len, tp_ssl2_client_hello *out,
                           tp_error *err)
{
    tp_reader rd;
    uint8_t type;
    uint16_t specs_len, sid_len, chal_len;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, msg, len, err);
    TP_TRY(tp_rd_u8(&rd, "SSLv2 MSG-CLIENT-HELLO", &type));
    if (type != 1)
        return tp_fail(err, TP_E_PARSE, "SSLv2 message type %u is not CLIENT-HELLO", type);
    TP_TRY(tp_rd_u16(&rd, "SSLv2 CLIENT-VERSION", &out->version));
    TP_TRY(tp_rd_u16(&rd, "SSLv2 CIPHER-SPECS-LENGTH", &specs_len));
    TP_TRY(tp_rd_u16(&rd, "SSLv2 SESSION-ID-LENGTH", &sid_len));
    TP_TRY(tp_rd_u16(&rd, "SSLv2 CHALLENGE-LENGTH", &chal_len));
    if (specs_len == 0 || specs_len % 3 != 0)
        return tp_fail(err, TP_E_PARSE, "SSLv2 CIPHER-SPECS-LENGTH %u is not a positive "
                       "multiple of 3", specs_len);
    if (sid_len != 0 && sid_len != 16)
        return tp_fail(err, TP_E_PARSE, "SSLv2 SESSION-ID-LENGTH %u is neither 0 nor 16",
                       sid_len);
    if (chal_len < 16 || chal_len > 32)
        return tp_fail(err, TP_E_PARSE, "SSLv2 CHALLENGE-LENGTH %u outside 16..32", chal_len);
    TP_TRY(tp_rd_bytes(&rd, "SSLv2 CIPHER-SPECS-DATA", specs_len, &out->kinds));
    out->n_kinds = specs_len / 3u;
    TP_TRY(tp_rd_bytes(&rd, "SSLv2 SESSION-ID-DATA", sid_len, &out->session_id));
    out->session_id_len = sid_len;
    TP_TRY(tp_rd_bytes(&rd, "SSLv2 CHALLENGE-DATA", chal_len, &out->challenge));
    out->challenge_len = chal_len;
    return tp_rd_expect_end(&rd, "SSLv2 CLIENT-HELLO");
}

uint32_t tp_ssl2_kind_at(const uint8_t *kinds, size_t i)
{
    return ((uint32_t)kinds[3 * i] << 16) | ((uint32_t)kinds[3 * i + 1] << 8) | kinds[3 * i + 2];
}

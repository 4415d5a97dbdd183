/* serverhello.c: ServerHello / HelloRetryRequest parsing (RFC 8446 Sec.
 * 4.1.3, RFC 5246 Sec. 7.4.1.3). See serverhello.h. */
#include "wire/serverhello.h"

#include <string.h>

#include "wire/registry.h"

#include "util/banned.h"

/* RFC 8446 Sec. 4.1.3: SHA-256 of "HelloRetryRequest". */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};
static const uint8_t downgrd[7] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44};

bool tp_sh_random_is_hrr(const uint8_t *random)
{
    return memcmp(random, hrr_random, sizeof hrr_random) == 0;
}

static tp_downgrade downgrade_of(const uint8_t *random)
{
    if (memcmp(random + 24, downgrd, sizeof downgrd) != 0)
        return TP_DOWNGRADE_NONE;
    if (random[31] == 1)
        return TP_DOWNGRADE_TLS12;
    if (random[31] == 0)
        return TP_DOWNGRADE_TLS11;
    return TP_DOWNGRADE_NONE;
}

static tp_status expect_empty(tp_reader *rd, const char *name)
{
    return tp_rd_expect_end(rd, name);
}

static tp_status parse_key_share(tp_reader *rd, tp_server_hello *sh)
{
    TP_TRY(tp_rd_u16(rd, "key_share group", &sh->key_share_group));
    sh->has_key_share = true;
    /* RFC 8446 Sec. 4.2.8: in a HelloRetryRequest the extension holds only
     * NamedGroup selected_group; in a ServerHello a KeyShareEntry. */
    if (sh->is_hrr)
        return tp_rd_expect_end(rd, "key_share selected_group");
    tp_reader kx;
    TP_TRY(tp_rd_sub_u16(rd, "key_share key_exchange", 1, 0xffff, &kx));
    sh->key_share = kx.base;
    sh->key_share_len = kx.len;
    return tp_rd_expect_end(rd, "key_share extension");
}

static tp_status parse_alpn(tp_reader *rd, tp_server_hello *sh)
{
    tp_reader list, name;
    TP_TRY(tp_rd_sub_u16(rd, "ALPN protocol_name_list", 2, 0xffff, &list));
    TP_TRY(tp_rd_expect_end(rd, "ALPN extension"));
    TP_TRY(tp_rd_sub_u8(&list, "ALPN protocol_name", 1, 0xff, &name));
    /* RFC 7301 Sec. 3.1: in the ServerHello "the "ProtocolNameList" MUST
     * contain exactly one "ProtocolName"". */
    TP_TRY(tp_rd_expect_end(&list, "ALPN protocol_name_list (exactly one name)"));
    sh->alpn = name.base;
    sh->alpn_len = name.len;
    return TP_OK;
}

static tp_status parse_supported_versions(tp_reader *rd, tp_server_hello *sh)
{
    TP_TRY(tp_rd_u16(rd, "supported_versions selected_version", &sh->version));
    TP_TRY(tp_rd_expect_end(rd, "supported_versions extension"));
    /* RFC 8446 Sec. 4.2.1: "If the "supported_versions" extension in the
     * ServerHello contains a version ... prior to TLS 1.3, the client MUST
     * abort the handshake". */
    if (sh->version < TP_VER_TLS13)
        return tp_fail(rd->err, TP_E_PARSE,
                       "supported_versions selects 0x%04x, prior to TLS 1.3", sh->version);
    sh->has_supported_versions = true;
    return TP_OK;
}

static tp_status parse_one(const tp_ext_view *e, tp_server_hello *sh, tp_error *err)
{
    tp_reader rd, v;
    tp_rd_init(&rd, e->data, e->len, err);
    switch (e->type) {
    case TP_EXT_SUPPORTED_VERSIONS:
        return parse_supported_versions(&rd, sh);
    case TP_EXT_KEY_SHARE:
        return parse_key_share(&rd, sh);
    case TP_EXT_COOKIE:
        /* RFC 8446 Sec. 4.2.2: opaque cookie<1..2^16-1>. */
        TP_TRY(tp_rd_sub_u16(&rd, "cookie", 1, 0xffff, &v));
        sh->has_cookie = true;
        return tp_rd_expect_end(&rd, "cookie extension");
    case TP_EXT_RENEGOTIATION_INFO:
        /* RFC 5746 Sec. 3.2: opaque renegotiated_connection<0..255>. */
        TP_TRY(tp_rd_sub_u8(&rd, "renegotiation_info renegotiated_connection", 0, 255, &v));
        sh->has_renegotiation_info = true;
        sh->renegotiated_connection = v.base;
        sh->renegotiated_connection_len = v.len;
        return tp_rd_expect_end(&rd, "renegotiation_info extension");
    case TP_EXT_EXTENDED_MASTER_SECRET:
        /* RFC 7627 Sec. 5.1: "The "extension_data" field of this extension
         * is empty." */
        sh->extended_master_secret = true;
        return expect_empty(&rd, "extended_master_secret extension (must be empty)");
    case TP_EXT_ENCRYPT_THEN_MAC:
        /* RFC 7366 Sec. 2: "The "extension_data" field of this extension
         * SHALL be empty." */
        sh->encrypt_then_mac = true;
        return expect_empty(&rd, "encrypt_then_mac extension (must be empty)");
    case TP_EXT_SESSION_TICKET:
        /* RFC 5077 Sec. 3.2: "The server uses a zero-length SessionTicket
         * extension to indicate to the client that it will send a new
         * session ticket". */
        sh->session_ticket = true;
        return expect_empty(&rd, "session_ticket extension (must be empty)");
    case TP_EXT_STATUS_REQUEST:
        /* RFC 6066 Sec. 8: the server's "extension_data" is empty. */
        sh->status_request = true;
        return expect_empty(&rd, "status_request extension (must be empty)");
    case TP_EXT_EC_POINT_FORMATS:
        TP_TRY(tp_rd_sub_u8(&rd, "ec_point_formats", 1, 0xff, &v));
        sh->has_ec_point_formats = true;
        return tp_rd_expect_end(&rd, "ec_point_formats extension");
    case TP_EXT_PRE_SHARED_KEY:
        /* RFC 8446 Sec. 4.2.11: in a ServerHello "uint16 selected_identity",
         * the index of the PSK the server accepted. */
        TP_TRY(tp_rd_u16(&rd, "pre_shared_key selected_identity", &sh->psk_selected_identity));
        sh->has_pre_shared_key = true;
        return tp_rd_expect_end(&rd, "pre_shared_key extension");
    case TP_EXT_ALPN:
        return parse_alpn(&rd, sh);
    case TP_EXT_MAX_FRAGMENT_LENGTH:
        TP_TRY(tp_rd_u8(&rd, "max_fragment_length", &sh->max_fragment_length));
        /* RFC 6066 Sec. 4: MaxFragmentLength is one of 1..4. */
        if (sh->max_fragment_length < 1 || sh->max_fragment_length > 4)
            return tp_fail(err, TP_E_PARSE, "max_fragment_length value %u outside 1..4",
                           sh->max_fragment_length);
        return tp_rd_expect_end(&rd, "max_fragment_length extension");
    case TP_EXT_RECORD_SIZE_LIMIT:
        TP_TRY(tp_rd_u16(&rd, "record_size_limit", &sh->record_size_limit));
        /* RFC 8449 Sec. 4: "An endpoint MUST treat receipt of a smaller
         * value [than 64] as a fatal error". */
        if (sh->record_size_limit < 64)
            return tp_fail(err, TP_E_PARSE, "record_size_limit %u is below 64",
                           sh->record_size_limit);
        return tp_rd_expect_end(&rd, "record_size_limit extension");
    default:
        return TP_OK;
    }
}

static tp_status parse_extensions(tp_reader *rd, tp_server_hello *sh)
{
    tp_reader block;
    TP_TRY(tp_rd_sub_u16(rd, "ServerHello extensions", 0, 0xffff, &block));
    TP_TRY(tp_ext_list_parse(&block, sh->is_hrr ? "HelloRetryRequest" : "ServerHello",
                             &sh->exts));
    sh->has_extensions = true;
    /* is_hrr, known from the random, decides how key_share is read. */
    for (size_t i = 0; i < sh->exts.n; i++)
        TP_TRY(parse_one(&sh->exts.ext[i], sh, rd->err));
    return TP_OK;
}

tp_status tp_sh_parse(const uint8_t *body, size_t len, tp_server_hello *out, tp_error *err)
{
    tp_reader rd, sid;
    memset(out, 0, sizeof *out);
    tp_rd_init(&rd, body, len, err);
    TP_TRY(tp_rd_u16(&rd, "ServerHello legacy_version", &out->legacy_version));
    out->version = out->legacy_version;
    TP_TRY(tp_rd_bytes(&rd, "ServerHello random", 32, &out->random));
    out->is_hrr = tp_sh_random_is_hrr(out->random);
    out->downgrade = downgrade_of(out->random);
    TP_TRY(tp_rd_sub_u8(&rd, "ServerHello legacy_session_id_echo", 0, 32, &sid));
    out->session_id = sid.base;
    out->session_id_len = sid.len;
    TP_TRY(tp_rd_u16(&rd, "ServerHello cipher_suite", &out->cipher_suite));
    TP_TRY(tp_rd_u8(&rd, "ServerHello legacy_compression_method", &out->compression));
    if (tp_rd_left(&rd) > 0)
        TP_TRY(parse_extensions(&rd, out));
    TP_TRY(tp_rd_expect_end(&rd, "ServerHello"));
    /* RFC 8446 Sec. 4.1.4: "The server's extensions MUST contain
     * "supported_versions"." (for a HelloRetryRequest) */
    if (out->is_hrr && !out->has_supported_versions)
        return tp_fail(err, TP_E_PARSE, "HelloRetryRequest without supported_versions");
    /* RFC 8446 Sec. 4.1.3: legacy_compression_method "MUST have the value 0". */
    if (out->version >= TP_VER_TLS13 && out->compression != 0)
        return tp_fail(err, TP_E_PARSE, "TLS 1.3 ServerHello with compression method %u",
                       out->compression);
    return TP_OK;
}

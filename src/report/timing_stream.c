/* timing_stream.c: --read's report, written while the capture is read (see
 * timing_render.h). The JSON document is render_json()'s, cut in three:
 * the keys before "findings" when the file opens, the "handshakes" array
 * one element at a time, the remaining keys at the end. Each part is
 * dumped by jansson with render_json()'s flags into a reused buffer and
 * re-indented to its depth, so the output reads as one json_dumpf() of
 * the whole document would. */
#include "report/timing_render.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report/render.h"
#include "util/banned.h"

/* As json.c prints the whole document (key order is insertion order; ten
 * significant digits), and scalars too. */
#define DUMP_FLAGS \
    (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10) | JSON_ENCODE_ANY)
/* The first top-level key that is only known at the end (the findings
 * aggregate every handshake); every key before it is written at open. */
#define FIRST_TAIL_KEY "findings"
#define STREAMED_KEY "handshakes"

struct audit_stream {
    FILE *out;
    const struct tp_report *report;
    const struct tp_config *cfg;
    bool json, colour, opened;
    size_t written;               /* handshakes printed */
    struct tp_strlist head_keys;  /* top-level keys written at open */
    struct tp_textbuf buf;        /* one part's text; reused, grows to the largest */
    size_t indent;                /* spaces after each newline of a jansson part */
    bool nomem;
};

tp_status audit_stream_create(FILE *out, const struct tp_report *report,
                              const struct tp_config *cfg, bool json, bool colour,
                              struct audit_stream **s)
{
    *s = calloc(1, sizeof **s);
    if (*s == NULL)
        return TP_E_NOMEM;
    (*s)->out = out;
    (*s)->report = report;
    (*s)->cfg = cfg;
    (*s)->json = json;
    (*s)->colour = colour;
    return TP_OK;
}

void audit_stream_destroy(struct audit_stream *s)
{
    if (s == NULL)
        return;
    tp_strlist_finish(&s->head_keys);
    free(s->buf.p);
    free(s);
}

bool audit_stream_opened(const struct audit_stream *s)
{
    return s != NULL && s->opened;
}

/* ---- JSON parts ---- */

static bool reserve(struct audit_stream *s, size_t more)
{
    struct tp_textbuf *b = &s->buf;
    if (b->len + more <= b->cap)
        return true;
    size_t cap = b->cap > 0 ? b->cap : 16384;
    while (cap < b->len + more)
        cap *= 2;
    char *grown = realloc(b->p, cap);
    if (grown == NULL) {
        s->nomem = true;
        return false;
    }
    b->p = grown;
    b->cap = cap;
    return true;
}

static bool append_text(struct audit_stream *s, const char *text, size_t len)
{
    if (!reserve(s, len))
        return false;
    memcpy(s->buf.p + s->buf.len, text, len);
    s->buf.len += len;
    return true;
}

/* json_dump_callback() output, indented by s->indent after each newline
 * (a newline inside a string is escaped, RFC 8259 Sec. 7, so every raw
 * newline is layout). */
static int put_indented(const char *text, size_t size, void *data)
{
    struct audit_stream *s = data;
    while (size > 0) {
        const char *nl = memchr(text, '\n', size);
        size_t run = nl != NULL ? (size_t)(nl - text) + 1 : size;
        if (!append_text(s, text, run) || (nl != NULL && !reserve(s, s->indent)))
            return -1;
        if (nl != NULL) {
            memset(s->buf.p + s->buf.len, ' ', s->indent);
            s->buf.len += s->indent;
        }
        text += run;
        size -= run;
    }
    return 0;
}

static tp_status flush_part(struct audit_stream *s)
{
    if (fwrite(s->buf.p, 1, s->buf.len, s->out) != s->buf.len)
        return TP_E_IO;
    return TP_OK;
}

/* prefix, then value dumped at depth indent / 2; one fwrite. */
static tp_status write_part(struct audit_stream *s, const char *prefix, const json_t *value,
                            size_t indent)
{
    s->buf.len = 0;
    s->indent = indent;
    if (!append_text(s, prefix, strlen(prefix)) ||
        json_dump_callback(value, put_indented, s, DUMP_FLAGS) != 0)
        return s->nomem ? TP_E_NOMEM : TP_E_IO;
    return flush_part(s);
}

/* ",\n  \"key\": value" (the keys are ours: plain ASCII, nothing to escape). */
static tp_status write_key(struct audit_stream *s, bool first, const char *key,
                           const json_t *value)
{
    char prefix[96];
    snprintf(prefix, sizeof prefix, "%s\n  \"%s\": ", first ? "" : ",", key);
    return write_part(s, prefix, value, 2);
}

static bool written_at_open(const struct audit_stream *s, const char *key)
{
    for (size_t i = 0; i < s->head_keys.count; i++)
        if (strcmp(s->head_keys.items[i], key) == 0)
            return true;
    return false;
}

static tp_status json_open(struct audit_stream *s)
{
    json_t *doc = render_json_document(s->report, s->cfg);
    if (doc == NULL)
        return TP_E_NOMEM;
    tp_status status = fputc('{', s->out) == EOF ? TP_E_IO : TP_OK;
    const char *key;
    json_t *value;
    json_object_foreach(doc, key, value) {
        if (status != TP_OK || strcmp(key, FIRST_TAIL_KEY) == 0)
            break;
        if (strcmp(key, STREAMED_KEY) == 0)
            continue;
        status = write_key(s, s->head_keys.count == 0, key, value);
        if (status == TP_OK)
            status = tp_strlist_push(&s->head_keys, key);
    }
    json_decref(doc);
    if (status == TP_OK && fprintf(s->out, "%s\n  \"" STREAMED_KEY "\": [",
                                   s->head_keys.count > 0 ? "," : "") < 0)
        status = TP_E_IO;
    return status;
}

/* The element at depth 2, after "\n    " (or ",\n    "): its text is
 * written directly (timing_audit_json.c), not through jansson. */
static tp_status json_handshake(struct audit_stream *s, const struct tp_audit_hs *hs)
{
    s->buf.len = 0;
    if (!append_text(s, s->written == 0 ? "\n    " : ",\n    ", s->written == 0 ? 5 : 6))
        return TP_E_NOMEM;
    TP_TRY(audit_handshake_json_text(hs, 2, &s->buf));
    return flush_part(s);
}

static tp_status json_finish(struct audit_stream *s)
{
    if (fputs(s->written > 0 ? "\n  ]" : "]", s->out) == EOF)
        return TP_E_IO;
    json_t *doc = render_json_document(s->report, s->cfg);
    if (doc == NULL)
        return TP_E_NOMEM;
    tp_status status = TP_OK;
    const char *key;
    json_t *value;
    json_object_foreach(doc, key, value) {
        if (status != TP_OK)
            break;
        if (strcmp(key, STREAMED_KEY) != 0 && !written_at_open(s, key))
            status = write_key(s, false, key, value);
    }
    json_decref(doc);
    if (status == TP_OK && fputs("\n}\n", s->out) == EOF)
        status = TP_E_IO;
    return status;
}

/* ---- the sink ---- */

tp_status audit_stream_open(void *ctx, const struct tp_audit *file)
{
    struct audit_stream *s = ctx;
    s->opened = true;
    return s->json ? json_open(s) : audit_render_text_head(s->out, file, s->colour);
}

tp_status audit_stream_handshake(void *ctx, const struct tp_audit *file,
                                 const struct tp_audit_hs *hs)
{
    struct audit_stream *s = ctx;
    (void)file;
    tp_status status = s->json ? json_handshake(s, hs)
                               : audit_render_text_handshake(s->out, s->written, hs, s->colour);
    s->written++;
    return status;
}

tp_status audit_stream_finish(struct audit_stream *s)
{
    if (!s->opened)
        return TP_OK;
    tp_status status = s->json ? json_finish(s) : render_text(s->out, s->report, s->cfg, s->colour);
    if (status == TP_OK && ferror(s->out))
        status = TP_E_IO;
    return status;
}

/* text_util.c: the shared terminal writer (see text_util.h). */
#include "report/text_util.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/text.h"
#include "util/banned.h"

void tw_emit(struct text_writer *w, const char *fmt, ...)
{
    if (w->status != TP_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(w->out, fmt, ap) < 0)
        w->status = TP_E_IO;
    va_end(ap);
}

void tw_put(struct text_writer *w, const char *s)
{
    if (w->status == TP_OK && fputs(s, w->out) == EOF)
        w->status = TP_E_IO;
}

void tw_sgr(struct text_writer *w, const char *code)
{
    if (w->colour && code != NULL)
        tw_put(w, code);
}

/* Printable ASCII other than the backslash (which tp_term_escape()
 * doubles) is its own escape: the usual case, printed without a copy. */
static bool plain(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s < 0x20 || *s >= 0x7f || *s == '\\')
            return false;
    return true;
}

void tw_esc_pad(struct text_writer *w, const char *s, int width)
{
    if (w->status != TP_OK)
        return;
    if (s == NULL)
        s = "-";
    if (plain(s)) {
        if (width > 0)
            tw_emit(w, "%-*s", width, s);
        else
            tw_put(w, s);
        return;
    }
    char *safe = tp_term_escape(s);
    if (safe == NULL) {
        w->status = TP_E_NOMEM;
        return;
    }
    tw_emit(w, "%-*s", width, safe);
    free(safe);
}

void tw_esc(struct text_writer *w, const char *s)
{
    tw_esc_pad(w, s, 0);
}

void tw_tri(struct text_writer *w, enum tp_tri value, enum tw_polarity pol)
{
    const char *colour = NULL;
    if (value == TP_TRI_UNKNOWN)
        colour = SGR_DIM;
    else if (pol == TW_YES_IS_GOOD)
        colour = value == TP_TRI_YES ? SGR_GREEN : SGR_RED;
    tw_sgr(w, colour);
    tw_put(w, tp_tri_name(value));
    if (colour != NULL)
        tw_sgr(w, SGR_RESET);
}

void tw_title(struct text_writer *w, const char *text)
{
    tw_put(w, "\n");
    tw_sgr(w, SGR_BOLD);
    tw_put(w, text);
    tw_sgr(w, SGR_RESET);
}

void tw_section(struct text_writer *w, const char *text)
{
    tw_title(w, text);
    tw_put(w, "\n");
}

tp_status tw_status(const struct text_writer *w)
{
    if (w->status == TP_OK && ferror(w->out))
        return TP_E_IO;
    return w->status;
}

/* text_util.c: the shared terminal writer (see text_util.h). */
#include "report/text_util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/scan_model.h"
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

static const char *rating_colour(enum tp_rating rating)
{
    switch (rating) {
    case TP_RATING_FORBIDDEN:
        return SGR_RED;
    case TP_RATING_DEPRECATED:
    case TP_RATING_WEAK:
        return SGR_YELLOW;
    case TP_RATING_RECOMMENDED:
        return SGR_GREEN;
    default:
        return NULL;
    }
}

void tw_rating(struct text_writer *w, enum tp_rating r)
{
    if (r == TP_RATING_UNRATED)
        return;
    const char *colour = rating_colour(r);
    tw_sgr(w, colour);
    tw_emit(w, "%s", tp_rating_name(r));
    if (colour != NULL)
        tw_sgr(w, SGR_RESET);
}

void tw_verdict_tail(struct text_writer *w, const struct tp_verdict *v)
{
    tw_emit(w, "  ");
    tw_rating(w, v->rating);
    if (v->rating >= TP_RATING_WEAK && v->reason != NULL) {
        tw_emit(w, ": ");
        tw_esc(w, v->reason);
        for (size_t i = 1; i < v->n_reasons; i++) {
            tw_emit(w, "; ");
            tw_esc(w, v->reasons[i].reason);
        }
    }
    tw_emit(w, "\n");
}

/* The note number of a reason (1-based), adding it; 0 when out of room. */
static size_t note_for(struct tw_notes *notes, const char *reason, const char *reference)
{
    if (reason == NULL)
        return 0;
    for (size_t i = 0; i < notes->n; i++)
        if (strcmp(notes->reason[i], reason) == 0)
            return i + 1;
    if (notes->n == TW_MAX_NOTES)
        return 0;
    notes->reason[notes->n] = reason;
    notes->reference[notes->n] = reference;
    return ++notes->n;
}

static void note_ref(struct text_writer *w, struct tw_notes *notes, const char *reason,
                     const char *reference, size_t *shown)
{
    size_t note = note_for(notes, reason, reference);
    if (note != 0)
        tw_emit(w, "%s%zu", (*shown)++ == 0 ? " [" : ", ", note);
}

/* " [1, 4, 7]": the notes of every reason of a verdict, worst first (a
 * verdict filled without its reasons list has the one reason). */
void tw_note_refs(struct text_writer *w, struct tw_notes *notes, const struct tp_verdict *v)
{
    size_t shown = 0;
    if (v->n_reasons == 0)
        note_ref(w, notes, v->reason, v->reference, &shown);
    for (size_t i = 0; i < v->n_reasons; i++)
        note_ref(w, notes, v->reasons[i].reason, v->reasons[i].reference, &shown);
    if (shown != 0)
        tw_emit(w, "]");
}

void tw_print_notes(struct text_writer *w, const struct tw_notes *notes)
{
    for (size_t i = 0; i < notes->n; i++) {
        tw_emit(w, "  [%zu] ", i + 1);
        tw_esc(w, notes->reason[i]);
        if (notes->reference[i] != NULL) {
            tw_emit(w, " (");
            tw_esc(w, notes->reference[i]);
            tw_emit(w, ")");
        }
        tw_emit(w, "\n");
    }
}

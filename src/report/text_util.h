/* text_util.h: the terminal writer every text renderer uses (text.c,
 * scan_text.c, timing_text.c), so that escaping, colour and headings are
 * done one way in the whole report.
 *
 * Internal to src/report/. Names start with "tw_" (text writer). The
 * writer keeps the first error, like stdio's error flag: once a write has
 * failed the rest are skipped, so section printers stay linear and the
 * renderer reports the error once, from tw_status(). */
#ifndef TP_REPORT_TEXT_UTIL_H
#define TP_REPORT_TEXT_UTIL_H

#include <stdbool.h>
#include <stdio.h>

#include "report/model.h"
#include "util/err.h"

/* ECMA-48 Select Graphic Rendition sequences. */
#define SGR_RESET "\x1b[0m"
#define SGR_BOLD "\x1b[1m"
#define SGR_DIM "\x1b[2m"
#define SGR_RED "\x1b[31m"
#define SGR_BOLD_RED "\x1b[1;31m"
#define SGR_GREEN "\x1b[32m"
#define SGR_YELLOW "\x1b[33m"
#define SGR_CYAN "\x1b[36m"

struct text_writer {
    FILE *out;
    bool colour;     /* ANSI colours: the caller decides (--color, isatty, NO_COLOR) */
    int indent;      /* spaces before a labelled line (text.c: 4 inside a certificate) */
    tp_status status; /* the first error; TP_OK until one */
};

/* Whether "yes" is good news (trusted, secure renegotiation) or just a
 * fact (a session ticket was issued). */
enum tw_polarity { TW_NEUTRAL, TW_YES_IS_GOOD };

void tw_emit(struct text_writer *w, const char *fmt, ...) TP_PRINTF(2, 3);

/* A string as is, without a format to parse (--read prints hundreds). */
void tw_put(struct text_writer *w, const char *s);

/* code (an SGR_* sequence) when colour is on; NULL prints nothing. */
void tw_sgr(struct text_writer *w, const char *code);

/* A model string escaped for the terminal (tp_term_escape(): it may come
 * from the peer), left-aligned in width columns (0: as is); an absent one
 * prints as "-". */
void tw_esc_pad(struct text_writer *w, const char *s, int width);
void tw_esc(struct text_writer *w, const char *s);

/* yes / no / unknown: unknown dimmed; with TW_YES_IS_GOOD, yes green and
 * no red. */
void tw_tri(struct text_writer *w, enum tp_tri value, enum tw_polarity pol);

/* A blank line, then text in bold; tw_section() ends the line too. */
void tw_title(struct text_writer *w, const char *text);
void tw_section(struct text_writer *w, const char *text);

/* The first error, or TP_E_IO when the stream's error flag is set (a
 * buffered write can fail after the call that queued it returned). */
TP_MUST_CHECK tp_status tw_status(const struct text_writer *w);

/* A policy's rating word, coloured (forbidden red, deprecated and weak
 * yellow, recommended green); nothing when unrated. */
void tw_rating(struct text_writer *w, enum tp_rating r);
/* "  rating: reason; other reasons\n" (the reasons from weak up), as
 * --enum's group and scheme lines and --dtls --enum's lines end. */
void tw_verdict_tail(struct text_writer *w, const struct tp_verdict *v);

/* The reasons of a table being printed, numbered in order of first use
 * (--enum's suite tables, --dtls --enum's): a line shows " [1, 4]", the
 * table ends with the notes. */
#define TW_MAX_NOTES 64 /* distinct reasons numbered; more are left unnumbered */
struct tw_notes {
    const char *reason[TW_MAX_NOTES];
    const char *reference[TW_MAX_NOTES];
    size_t n;
};
/* " [1, 4, 7]": the notes of every reason of a verdict, worst first. */
void tw_note_refs(struct text_writer *w, struct tw_notes *notes, const struct tp_verdict *v);
/* "  [1] reason (reference)" for each note. */
void tw_print_notes(struct text_writer *w, const struct tw_notes *notes);

#endif

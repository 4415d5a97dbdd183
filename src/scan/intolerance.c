/* intolerance.c: the search of intolerance.h. */
#include "scan/intolerance.h"

#include <string.h>

#include "report/model.h"
#include "util/banned.h"

void intol_init(struct intol_search *s, uint32_t parts)
{
    memset(s, 0, sizeof *s);
    s->parts = parts & TP_OFFER_ALL;
    s->step = s->parts != 0 ? INTOL_PLAIN : INTOL_DONE;
}

/* The next part at or after s->index, or false. */
static bool seek_part(struct intol_search *s)
{
    while (s->index < TP_OFFER_COUNT && !(s->parts & (1u << s->index)))
        s->index++;
    return s->index < TP_OFFER_COUNT;
}

/* Enter step, skipping to the first part for the per-part steps. */
static void enter(struct intol_search *s, enum intol_step step)
{
    s->step = step;
    s->index = 0;
    if (step == INTOL_DROP_ONE && !seek_part(s))
        enter(s, INTOL_ADD_BACK);
    else if (step == INTOL_ADD_BACK && !seek_part(s))
        enter(s, INTOL_FINAL);
}

bool intol_next(struct intol_search *s, uint32_t *omit)
{
    switch (s->step) {
    case INTOL_PLAIN:
        *omit = s->parts;
        break;
    case INTOL_DROP_ONE:
        *omit = 1u << s->index;
        break;
    case INTOL_ADD_BACK:
        *omit = s->parts & ~(1u << s->index);
        break;
    case INTOL_FINAL:
        *omit = s->culprits;
        break;
    case INTOL_FINAL_ALL:
        *omit = s->parts;
        break;
    case INTOL_DONE:
    default:
        return false;
    }
    s->asked++;
    return true;
}

void intol_answer(struct intol_search *s, bool completed)
{
    switch (s->step) {
    case INTOL_PLAIN:
        s->intolerant = completed;
        if (!completed)
            s->step = INTOL_DONE;
        else if ((s->parts & (s->parts - 1u)) == 0) {
            /* A single part: the plain offer is the full one without it. */
            s->culprits = s->parts;
            s->step = INTOL_DONE;
        } else {
            enter(s, INTOL_DROP_ONE);
        }
        return;
    case INTOL_DROP_ONE:
        if (completed) {
            s->culprits = 1u << s->index;
            s->step = INTOL_DONE;
            return;
        }
        s->index++;
        if (!seek_part(s))
            enter(s, INTOL_ADD_BACK);
        return;
    case INTOL_ADD_BACK:
        if (!completed)
            s->culprits |= 1u << s->index;
        s->index++;
        if (seek_part(s))
            return;
        /* Every part passes alone but not all together: they are guilty
         * only in combination, and none can be singled out. */
        if (s->culprits == 0 || s->culprits == s->parts) {
            s->culprits = s->parts;
            s->step = INTOL_FINAL_ALL;
        } else {
            s->step = INTOL_FINAL;
        }
        return;
    case INTOL_FINAL:
        if (completed) {
            s->step = INTOL_DONE;
        } else {
            s->culprits = s->parts;
            s->step = INTOL_FINAL_ALL;
        }
        return;
    case INTOL_FINAL_ALL:
    case INTOL_DONE:
    default:
        s->step = INTOL_DONE;
        return;
    }
}

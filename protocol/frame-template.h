/* Frame templates of *.device files (private to protocol/).
 *
 * A template is a row of tokens, one or more bytes each:
 *   AA              a fixed byte (two hex digits)
 *   ??              any byte (notification patterns only; written as 00)
 *   {level}         a value placeholder ({level16be}, {speed}, {seq}, ...)
 *   {sum8(2..end)}  a checksum over bytes 2..the last byte (not counting
 *                   checksums that close the frame)
 * The same template encodes a frame from values and matches a frame back to
 * its values, so device files get encode, parse_command, decode and
 * encode_reading from one description. docs/device-files.md is the reference. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a placeholder carries. */
typedef enum {
    MP_SLOT_LEVEL,   /* intensity level (device units, from Levels) */
    MP_SLOT_SPEED,   /* speed, device units */
    MP_SLOT_MODE,    /* mode number */
    MP_SLOT_SEQ,     /* sequence number */
    MP_SLOT_BATTERY, /* percent (notifications) */
    MP_SLOT_RUNNING, /* 0 = stopped, anything else running (notifications) */
    MP_SLOT_ERROR,   /* device error code (notifications) */
    MP_SLOT_COUNT,
} MpSlot;

typedef enum {
    MP_TEMPLATE_COMMAND,      /* placeholders of commands; no ?? */
    MP_TEMPLATE_NOTIFICATION, /* placeholders of readings; ?? allowed */
} MpTemplateUse;

typedef struct _MpFrameTemplate MpFrameTemplate;

/* Parses one frame template. On error, `error` holds the problem alone
 * ("unknown placeholder {levl}; did you mean {level}?"); the caller adds
 * the file, line and key. */
MpFrameTemplate *mp_frame_template_parse(const char *text, MpTemplateUse use, GError **error);
void mp_frame_template_free(MpFrameTemplate *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpFrameTemplate, mp_frame_template_free)

gsize mp_frame_template_len(const MpFrameTemplate *t);
/* Bit set of (1 << MpSlot) for the placeholders it holds. */
guint mp_frame_template_slots(const MpFrameTemplate *t);
/* The largest value a slot's placeholder can hold (255 or 65535); 0 if absent. */
guint mp_frame_template_slot_max(const MpFrameTemplate *t, MpSlot slot);

/* Writes the frame: values[slot] for every placeholder, then the checksums. */
GBytes *mp_frame_template_encode(const MpFrameTemplate *t, const guint values[MP_SLOT_COUNT]);

typedef enum {
    MP_MATCH_NO,       /* length or a fixed byte differs */
    MP_MATCH_YES,      /* values[] filled for the slots present */
    MP_MATCH_CHECKSUM, /* the shape fits but a checksum does not */
} MpMatch;

/* On MP_MATCH_CHECKSUM, *bad_checksum (if not NULL) gets a description. */
MpMatch mp_frame_template_match(const MpFrameTemplate *t, const guint8 *data, gsize len,
                                guint values[MP_SLOT_COUNT], char **bad_checksum);

G_END_DECLS

/* Frame templates: tokenising, encoding and matching (see frame-template.h). */
#include <string.h>

#include "protocol/checksum.h"
#include "protocol/frame-template.h"
#include "protocol/mp-error.h"
#include "protocol/suggest.h"

/* 512 bytes is the largest attribute value ATT allows. */
#define MAX_FRAME 512

typedef struct {
    const char *name;
    MpSlot slot;
    guint width;      /* bytes */
    gboolean big;     /* byte order of 2-byte values */
    gboolean command; /* allowed in [Commands] */
    gboolean notify;  /* allowed in [Notifications] */
} Placeholder;

static const Placeholder placeholders[] = {
    {"level", MP_SLOT_LEVEL, 1, TRUE, TRUE, TRUE},
    {"level16be", MP_SLOT_LEVEL, 2, TRUE, TRUE, TRUE},
    {"level16le", MP_SLOT_LEVEL, 2, FALSE, TRUE, TRUE},
    {"speed", MP_SLOT_SPEED, 1, TRUE, TRUE, TRUE},
    {"speed16be", MP_SLOT_SPEED, 2, TRUE, TRUE, TRUE},
    {"speed16le", MP_SLOT_SPEED, 2, FALSE, TRUE, TRUE},
    {"mode", MP_SLOT_MODE, 1, TRUE, TRUE, FALSE},
    {"seq", MP_SLOT_SEQ, 1, TRUE, TRUE, FALSE},
    {"battery", MP_SLOT_BATTERY, 1, TRUE, FALSE, TRUE},
    {"running", MP_SLOT_RUNNING, 1, TRUE, FALSE, TRUE},
    {"error", MP_SLOT_ERROR, 1, TRUE, FALSE, TRUE},
};

typedef enum { FN_SUM8, FN_XOR8, FN_CRC8, FN_CRC16_MODBUS, FN_CRC16_CCITT } FuncId;

typedef struct {
    const char *name;
    FuncId id;
    guint width;
} Func;

static const Func funcs[] = {
    {"sum8", FN_SUM8, 1},
    {"xor8", FN_XOR8, 1},
    {"crc8", FN_CRC8, 1},
    /* Modbus sends its CRC low byte first; CCITT is conventionally big-endian. */
    {"crc16-modbus", FN_CRC16_MODBUS, 2},
    {"crc16-ccitt", FN_CRC16_CCITT, 2},
};

typedef enum { TK_BYTE, TK_ANY, TK_SLOT, TK_SUM } TokKind;

typedef struct {
    TokKind kind;
    guint8 byte;
    const Placeholder *ph;
    const Func *fn;
    guint from, to; /* checksum range, inclusive */
    gboolean to_end;
    gsize pos; /* offset of the token's first byte in the frame */
} Token;

struct _MpFrameTemplate {
    GArray *tokens; /* Token */
    gsize len;
};

void mp_frame_template_free(MpFrameTemplate *t)
{
    if (!t)
        return;
    g_array_unref(t->tokens);
    g_free(t);
}

gsize mp_frame_template_len(const MpFrameTemplate *t)
{
    return t->len;
}

static guint token_width(const Token *tk)
{
    switch (tk->kind) {
    case TK_SLOT:
        return tk->ph->width;
    case TK_SUM:
        return tk->fn->width;
    default:
        return 1;
    }
}

guint mp_frame_template_slots(const MpFrameTemplate *t)
{
    guint slots = 0;
    for (guint i = 0; i < t->tokens->len; i++) {
        const Token *tk = &g_array_index(t->tokens, Token, i);
        if (tk->kind == TK_SLOT)
            slots |= 1u << tk->ph->slot;
    }
    return slots;
}

guint mp_frame_template_slot_max(const MpFrameTemplate *t, MpSlot slot)
{
    guint max = 0;
    for (guint i = 0; i < t->tokens->len; i++) {
        const Token *tk = &g_array_index(t->tokens, Token, i);
        if (tk->kind == TK_SLOT && tk->ph->slot == slot) {
            guint m = tk->ph->width == 1 ? 0xff : 0xffff;
            /* With two placeholders for one slot the narrower one limits. */
            max = max == 0 ? m : MIN(max, m);
        }
    }
    return max;
}

static const Placeholder *find_placeholder(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(placeholders); i++)
        if (g_str_equal(placeholders[i].name, name))
            return &placeholders[i];
    return NULL;
}

static const Func *find_func(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(funcs); i++)
        if (g_str_equal(funcs[i].name, name))
            return &funcs[i];
    return NULL;
}

static gboolean parse_index(const char *s, guint *out)
{
    if (!*s || strlen(s) > 4)
        return FALSE;
    for (const char *p = s; *p; p++)
        if (!g_ascii_isdigit(*p))
            return FALSE;
    *out = (guint)atoi(s);
    return TRUE;
}

/* "{sum8(2..end)}": inner = "sum8(2..end)". */
static gboolean parse_func(const char *inner, Token *tk, GError **error)
{
    const char *open = strchr(inner, '(');
    g_autofree char *name = g_strndup(inner, (gsize)(open - inner));
    g_strstrip(name);
    tk->fn = find_func(name);
    if (!tk->fn) {
        const char *names[G_N_ELEMENTS(funcs) + 1] = {NULL};
        for (gsize i = 0; i < G_N_ELEMENTS(funcs); i++)
            names[i] = funcs[i].name;
        const char *near = mp_suggest(name, names);
        g_autofree char *known = g_strjoinv("(), ", (char **)names);
        if (near)
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "unknown checksum function %s(); did you mean %s()?", name, near);
        else
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "unknown checksum function %s() (known: %s())", name, known);
        return FALSE;
    }
    const char *close = strrchr(inner, ')');
    if (!close || close < open || close[1] != '\0') {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "%s: expected {%s(FROM..TO)}", inner,
                    tk->fn->name);
        return FALSE;
    }
    g_autofree char *args = g_strndup(open + 1, (gsize)(close - open - 1));
    g_strstrip(args);
    char *dots = strstr(args, "..");
    if (!dots) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    "%s(%s): the range must be FROM..TO, e.g. %s(2..end)", tk->fn->name, args,
                    tk->fn->name);
        return FALSE;
    }
    *dots = '\0';
    g_autofree char *from = g_strstrip(g_strdup(args));
    g_autofree char *to = g_strstrip(g_strdup(dots + 2));
    tk->to_end = g_str_equal(to, "end");
    if (!parse_index(from, &tk->from) || (!tk->to_end && !parse_index(to, &tk->to))) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    "%s(%s..%s): FROM and TO are byte positions counted from 0 (TO may be "
                    "'end', the last byte)",
                    tk->fn->name, from, to);
        return FALSE;
    }
    tk->kind = TK_SUM;
    return TRUE;
}

static gboolean parse_placeholder(const char *inner, MpTemplateUse use, Token *tk, GError **error)
{
    tk->ph = find_placeholder(inner);
    gboolean ok_here = tk->ph && (use == MP_TEMPLATE_COMMAND ? tk->ph->command : tk->ph->notify);
    if (tk->ph && !ok_here) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "placeholder {%s} belongs in %s, not here",
                    inner, use == MP_TEMPLATE_COMMAND ? "[Notifications]" : "[Commands]");
        return FALSE;
    }
    if (!tk->ph) {
        const char *names[G_N_ELEMENTS(placeholders) + 1] = {NULL};
        gsize n = 0;
        for (gsize i = 0; i < G_N_ELEMENTS(placeholders); i++)
            if (use == MP_TEMPLATE_COMMAND ? placeholders[i].command : placeholders[i].notify)
                names[n++] = placeholders[i].name;
        const char *near = mp_suggest(inner, names);
        if (near) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "unknown placeholder {%s}; did you mean {%s}?", inner, near);
        } else {
            g_autofree char *known = g_strjoinv("}, {", (char **)names);
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "unknown placeholder {%s} (known here: {%s})", inner, known);
        }
        return FALSE;
    }
    tk->kind = TK_SLOT;
    return TRUE;
}

/* Positions are known once every token is read: check the checksum ranges. */
static gboolean check_ranges(MpFrameTemplate *t, GError **error)
{
    /* "end" is the last byte before the checksums that close the frame, so
     * both "AA {sum8(2..end)} 01 03" and "01 02 {crc8(0..end)}" say what they mean. */
    gsize end = t->len;
    for (guint i = t->tokens->len; i > 0; i--) {
        const Token *tk = &g_array_index(t->tokens, Token, i - 1);
        if (tk->kind != TK_SUM)
            break;
        end = tk->pos;
    }
    for (guint i = 0; i < t->tokens->len; i++) {
        Token *tk = &g_array_index(t->tokens, Token, i);
        if (tk->kind != TK_SUM)
            continue;
        if (tk->to_end && end == 0) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "%s(%u..end): the frame has no bytes before its checksums", tk->fn->name,
                        tk->from);
            return FALSE;
        }
        guint to = tk->to_end ? (guint)end - 1 : tk->to;
        g_autofree char *desc = tk->to_end
                                    ? g_strdup_printf("%s(%u..end)", tk->fn->name, tk->from)
                                    : g_strdup_printf("%s(%u..%u)", tk->fn->name, tk->from, to);
        if (tk->from > to || to >= t->len) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "%s: the range must lie within the frame's bytes 0..%zu", desc, t->len - 1);
            return FALSE;
        }
        for (guint j = 0; j < t->tokens->len; j++) {
            const Token *o = &g_array_index(t->tokens, Token, j);
            if (o->kind != TK_SUM)
                continue;
            gsize o_end = o->pos + o->fn->width - 1;
            if (o->pos <= to && o_end >= tk->from) {
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "%s: the range covers %s at byte %zu", desc,
                            o == tk ? "the checksum itself" : "another checksum", o->pos);
                return FALSE;
            }
        }
        tk->to = to;
    }
    return TRUE;
}

MpFrameTemplate *mp_frame_template_parse(const char *text, MpTemplateUse use, GError **error)
{
    g_autoptr(MpFrameTemplate) t = g_new0(MpFrameTemplate, 1);
    t->tokens = g_array_new(FALSE, TRUE, sizeof(Token));
    const char *p = text;
    while (*p) {
        if (g_ascii_isspace(*p)) {
            p++;
            continue;
        }
        Token tk = {0};
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close) {
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "'{' without a closing '}': %s", p);
                return NULL;
            }
            g_autofree char *inner = g_strndup(p + 1, (gsize)(close - p - 1));
            g_strstrip(inner);
            gboolean ok = strchr(inner, '(') ? parse_func(inner, &tk, error)
                                             : parse_placeholder(inner, use, &tk, error);
            if (!ok)
                return NULL;
            p = close + 1;
        } else {
            const char *start = p;
            while (*p && !g_ascii_isspace(*p) && *p != '{')
                p++;
            g_autofree char *word = g_strndup(start, (gsize)(p - start));
            if (g_str_equal(word, "?"
                                  "?")) {
                if (use == MP_TEMPLATE_COMMAND) {
                    g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                                "'?"
                                "?' (any byte) only fits [Notifications] patterns; a command "
                                "must say every byte");
                    return NULL;
                }
                tk.kind = TK_ANY;
            } else if (strlen(word) == 2 && g_ascii_isxdigit(word[0]) &&
                       g_ascii_isxdigit(word[1])) {
                tk.kind = TK_BYTE;
                tk.byte =
                    (guint8)(g_ascii_xdigit_value(word[0]) << 4 | g_ascii_xdigit_value(word[1]));
            } else {
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "'%s' is not a byte: write two hex digits (AA), a {placeholder} or "
                            "a {checksum(FROM..TO)}",
                            word);
                return NULL;
            }
        }
        tk.pos = t->len;
        t->len += token_width(&tk);
        if (t->len > MAX_FRAME) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "the frame is longer than %d bytes (the most ATT carries)", MAX_FRAME);
            return NULL;
        }
        g_array_append_val(t->tokens, tk);
    }
    if (t->len == 0) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "the frame is empty");
        return NULL;
    }
    if (!check_ranges(t, error))
        return NULL;
    return g_steal_pointer(&t);
}

static guint compute(const Token *tk, const guint8 *frame)
{
    const guint8 *d = frame + tk->from;
    gsize n = tk->to - tk->from + 1;
    switch (tk->fn->id) {
    case FN_SUM8:
        return mp_sum8(d, n);
    case FN_XOR8:
        return mp_xor8(d, n);
    case FN_CRC8:
        return mp_crc8(d, n);
    case FN_CRC16_MODBUS:
        return mp_crc16_modbus(d, n);
    case FN_CRC16_CCITT:
        return mp_crc16_ccitt(d, n);
    }
    return 0;
}

/* Checksum byte order: Modbus low byte first, the others high byte first. */
static void put(guint8 *at, guint value, guint width, gboolean big)
{
    if (width == 1) {
        at[0] = (guint8)value;
    } else if (big) {
        at[0] = (guint8)(value >> 8);
        at[1] = (guint8)value;
    } else {
        at[0] = (guint8)value;
        at[1] = (guint8)(value >> 8);
    }
}

static guint get(const guint8 *at, guint width, gboolean big)
{
    if (width == 1)
        return at[0];
    return big ? (guint)(at[0] << 8 | at[1]) : (guint)(at[1] << 8 | at[0]);
}

static gboolean sum_big(const Token *tk)
{
    return tk->fn->id != FN_CRC16_MODBUS;
}

GBytes *mp_frame_template_encode(const MpFrameTemplate *t, const guint values[MP_SLOT_COUNT])
{
    guint8 *frame = g_malloc0(t->len);
    for (guint i = 0; i < t->tokens->len; i++) {
        const Token *tk = &g_array_index(t->tokens, Token, i);
        if (tk->kind == TK_BYTE)
            frame[tk->pos] = tk->byte;
        else if (tk->kind == TK_SLOT)
            put(frame + tk->pos, values[tk->ph->slot], tk->ph->width, tk->ph->big);
    }
    /* Checksum ranges never cover a checksum (check_ranges), so order is free. */
    for (guint i = 0; i < t->tokens->len; i++) {
        const Token *tk = &g_array_index(t->tokens, Token, i);
        if (tk->kind == TK_SUM)
            put(frame + tk->pos, compute(tk, frame), tk->fn->width, sum_big(tk));
    }
    return g_bytes_new_take(frame, t->len);
}

MpMatch mp_frame_template_match(const MpFrameTemplate *t, const guint8 *data, gsize len,
                                guint values[MP_SLOT_COUNT], char **bad_checksum)
{
    if (len != t->len)
        return MP_MATCH_NO;
    guint seen = 0;
    for (guint i = 0; i < t->tokens->len; i++) {
        const Token *tk = &g_array_index(t->tokens, Token, i);
        if (tk->kind == TK_BYTE && data[tk->pos] != tk->byte)
            return MP_MATCH_NO;
        if (tk->kind == TK_SLOT) {
            guint v = get(data + tk->pos, tk->ph->width, tk->ph->big);
            guint bit = 1u << tk->ph->slot;
            if ((seen & bit) && values[tk->ph->slot] != v)
                return MP_MATCH_NO; /* one value written twice must agree */
            seen |= bit;
            values[tk->ph->slot] = v;
        }
    }
    for (guint i = 0; i < t->tokens->len; i++) {
        const Token *tk = &g_array_index(t->tokens, Token, i);
        if (tk->kind != TK_SUM)
            continue;
        guint want = compute(tk, data);
        guint got = get(data + tk->pos, tk->fn->width, sum_big(tk));
        if (want != got) {
            if (bad_checksum)
                *bad_checksum = g_strdup_printf("%s(%u..%u) at byte %zu is 0x%0*x, expected 0x%0*x",
                                                tk->fn->name, tk->from, tk->to, tk->pos,
                                                tk->fn->width * 2, got, tk->fn->width * 2, want);
            return MP_MATCH_CHECKSUM;
        }
    }
    return MP_MATCH_YES;
}

/* Cautions for people: the one-time general caution and a programme's own
 * Caution=. The wording and its sources are in docs/safety.md ("Before you
 * use it"); keep the three (this text, that section, massagectl(1) CAUTIONS)
 * saying the same. */
#include "cli/caution.h"

#include <string.h>

#include "protocol/programme.h"

/* Bump when the caution says something new: a person who saw an older one
 * sees the new one once. */
#define CAUTION_REVISION "1"

static const char general_caution[] =
    "massagectl: before you use a massage device:\n"
    "  Do not use it with a blood clot (deep-vein thrombosis) or a bleeding\n"
    "  disorder, on blood thinners, when pregnant, on an acute injury or after\n"
    "  recent surgery, on varicose veins or broken skin, or where feeling is\n"
    "  reduced (e.g. neuropathy), unless a doctor says it is safe for you.\n"
    "  Keep it on muscle: never on bone, a joint or the back of the knee.\n"
    "  Stop at once on pain, numbness or tingling ('massagectl stop').\n"
    "  More: CAUTIONS in 'man massagectl', and docs/safety.md. Shown once.\n";

char *mctl_caution_stamp_path(void)
{
    const char *state = g_getenv("XDG_STATE_HOME");
    if (state && g_path_is_absolute(state))
        return g_build_filename(state, "massagectl", "caution-seen", NULL);
    return g_build_filename(g_get_home_dir(), ".local", "state", "massagectl", "caution-seen",
                            NULL);
}

static gboolean switched_off(gboolean no_caution_option)
{
    const char *env = g_getenv(MCTL_NO_CAUTION_ENV);
    return no_caution_option || (env && *env && !g_str_equal(env, "0"));
}

static gboolean seen(void)
{
    g_autofree char *path = mctl_caution_stamp_path();
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    return g_str_equal(g_strstrip(text), CAUTION_REVISION);
}

gboolean mctl_caution_show_first_use(gboolean no_caution_option)
{
    if (switched_off(no_caution_option) || seen())
        return FALSE;
    fputs(general_caution, stderr);
    fflush(stderr);
    return TRUE;
}

void mctl_caution_mark_seen(void)
{
    g_autofree char *path = mctl_caution_stamp_path();
    g_autofree char *dir = g_path_get_dirname(path);
    /* 0700: the XDG state directory is the user's alone. A failure here only
     * means the caution is shown again next time, which is the safe side. */
    if (g_mkdir_with_parents(dir, 0700) != 0)
        return;
    g_file_set_contents(path, CAUTION_REVISION "\n", -1, NULL);
}

gboolean mctl_caution_fetch(MctlClient *client, const char *programme, char **caution,
                            GError **error)
{
    *caution = NULL;
    g_autofree char *text = NULL;
    if (!msd_manager1_call_get_programme_sync(client->manager, programme, &text, NULL, error))
        return FALSE;
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse(text, strlen(text), programme, diags);
    if (!p) {
        /* The daemon and this massagectl disagree on the format (different
         * versions): say so rather than pass a caution over in silence. */
        fprintf(stderr,
                "massagectl: cannot read the caution of '%s' (this massagectl does not parse "
                "it); 'massagectl programme export %s' shows its text\n",
                programme, programme);
        return TRUE;
    }
    *caution = g_strdup(p->caution);
    return TRUE;
}

void mctl_caution_print_wrapped(FILE *out, const char *indent, const char *text, guint width)
{
    guint room = width > strlen(indent) + 20 ? width - (guint)strlen(indent) : 20;
    g_auto(GStrv) words = g_strsplit(text, " ", -1);
    GString *line = g_string_new(NULL);
    glong used = 0;
    for (gsize i = 0; words[i]; i++) {
        if (!*words[i])
            continue;
        glong n = g_utf8_strlen(words[i], -1);
        if (used > 0 && used + 1 + n > (glong)room) {
            fprintf(out, "%s%s\n", indent, line->str);
            g_string_truncate(line, 0);
            used = 0;
        }
        if (used > 0) {
            g_string_append_c(line, ' ');
            used++;
        }
        g_string_append(line, words[i]);
        used += n;
    }
    if (used > 0)
        fprintf(out, "%s%s\n", indent, line->str);
    g_string_free(line, TRUE);
}

void mctl_caution_show_programme(const char *programme, const char *caution)
{
    fprintf(stderr, "massagectl: caution for '%s':\n", programme);
    mctl_caution_print_wrapped(stderr, "  ", caution, 76);
    fflush(stderr);
}

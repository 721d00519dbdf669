/* A client profile applied at Start. See client-start.h. */
#include "common/names.h"
#include "daemon/client-start.h"

#include <string.h>

#include "daemon/client-store.h"
#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "daemon/session.h"
#include "protocol/timeline.h"
#include "protocol/timespan.h"

struct _MsdClientStart {
    MsdProgrammeEntry *original; /* borrowed from the programme store */
    MsdProgrammeEntry filtered;  /* ours, when a profile applies */
    char *label;                 /* NULL: no profile */
    double cap;                  /* < 0: none */
    GPtrArray *skipped;          /* char* */
};

void msd_client_start_free(MsdClientStart *cs)
{
    if (!cs)
        return;
    g_free(cs->filtered.id);
    g_free(cs->filtered.text);
    g_clear_pointer(&cs->filtered.programme, mp_programme_unref);
    g_free(cs->label);
    g_clear_pointer(&cs->skipped, g_ptr_array_unref);
    g_free(cs);
}

/* The diagnostics' errors, one per line. */
static char *errors_text(GPtrArray *diags)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < diags->len; i++) {
        const MpDiagnostic *d = diags->pdata[i];
        if (d->severity != MP_DIAG_ERROR)
            continue;
        g_autofree char *line = msd_diagnostic_format(d);
        g_string_append_printf(out, "\n%s", line);
    }
    return g_string_free(out, FALSE);
}

MsdClientStart *msd_client_start_prepare(MsdDaemon *d, GVariant *options, MsdProgrammeEntry *entry,
                                         GError **error)
{
    g_autoptr(MsdClientStart) cs = g_new0(MsdClientStart, 1);
    cs->original = entry;
    cs->cap = -1;
    cs->skipped = g_ptr_array_new_with_free_func(g_free);
    const char *label = NULL;
    /* An empty label is refused by the lookup: a hub that lost its variable
     * must not start without the profile it meant. */
    if (!g_variant_lookup(options, "client", "&s", &label))
        return g_steal_pointer(&cs);

    const MpClientProfile *profile = msd_client_store_lookup(d->clients, label, error);
    if (!profile)
        return NULL;
    cs->label = g_strdup(label);
    cs->cap = profile->max_intensity;

    /* A fresh copy of the programme to cut: parsed again from its text. */
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p =
        mp_programme_parse(entry->text, strlen(entry->text), entry->id, diags);
    if (!p) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME,
                    "programme \"%s\" no longer parses", entry->id);
        return NULL;
    }
    g_autoptr(GError) local = NULL;
    if (!mp_client_profile_apply(profile, p, cs->skipped, &local)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                    "client \"%s\": %s (programme \"%s\")", label, local->message, entry->id);
        return NULL;
    }
    /* What is left must pass the daemon's rules again: leaving a step out
     * can join two runs on one zone that a rest or another muscle kept apart. */
    g_ptr_array_set_size(diags, 0);
    if (!mp_programme_validate(p, &d->config.safety, diags)) {
        g_autofree char *why = errors_text(diags);
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME,
                    "programme \"%s\" with client profile \"%s\" applied fails the safety rules:%s",
                    entry->id, label, why);
        return NULL;
    }
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    guint64 duration = mp_timeline_duration(tl);
    if (profile->max_session_ms > 0 && duration > profile->max_session_ms) {
        g_autofree char *have = mp_timespan_format(duration);
        g_autofree char *most = mp_timespan_format(profile->max_session_ms);
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                    "programme \"%s\" lasts %s with client profile \"%s\" applied; the profile's "
                    "MaxSessionTime is %s",
                    entry->id, have, label, most);
        return NULL;
    }
    /* The engine caps at the programme's MaxIntensity: with the profile's
     * there too, Session1.Intensity says what the motor gets. The device's
     * motion gate enforces it on every path (msd_client_start_bind). */
    if (profile->max_intensity > 0 &&
        (p->max_intensity <= 0 || profile->max_intensity < p->max_intensity))
        p->max_intensity = profile->max_intensity;
    cs->filtered.id = g_strdup(entry->id);
    cs->filtered.path = entry->path; /* not owned; only read */
    cs->filtered.text = g_strdup(entry->text);
    cs->filtered.duration_ms = duration;
    cs->filtered.builtin = entry->builtin;
    cs->filtered.programme = g_steal_pointer(&p);
    return g_steal_pointer(&cs);
}

MsdProgrammeEntry *msd_client_start_entry(MsdClientStart *cs)
{
    return cs->label ? &cs->filtered : cs->original;
}

void msd_client_start_bind(MsdClientStart *cs, MsdSession *s, MsdDevice *dev)
{
    g_autoptr(GDBusInterface) iface =
        g_dbus_object_get_interface(G_DBUS_OBJECT(msd_session_get_object(s)), MSD_SESSION_IFACE);
    MsdSession1 *skel = MSD_SESSION1(iface);
    g_ptr_array_add(cs->skipped, NULL); /* a strv from here on */
    const char *const *skipped = (const char *const *)cs->skipped->pdata;
    msd_session1_set_client(skel, cs->label ? cs->label : "");
    msd_session1_set_skipped(skel, skipped);
    msd_session1_set_intensity_cap(skel, cs->cap > 0 ? cs->cap : 0);
    if (!cs->label)
        return;
    if (cs->cap > 0)
        msd_device_set_session_cap(dev, cs->cap);
    g_autofree char *list = g_strjoinv(", ", (char **)cs->skipped->pdata);
    g_autofree char *cap = cs->cap > 0 ? mp_percent_format(cs->cap) : g_strdup("the daemon's");
    msd_session_info(msd_session_get_path(s), msd_device_get_address(dev),
                     "client profile \"%s\": cap %s, skipped: %s", cs->label, cap,
                     *list ? list : "nothing");
}

#include "daemon/msd-error.h"

#include <string.h>

#include "protocol/mp-error.h"

static MsdError code_from_mp(gint code)
{
    switch ((MpError)code) {
    case MP_ERROR_INVALID:
    case MP_ERROR_RANGE:
        return MSD_ERROR_INVALID_ARGS;
    case MP_ERROR_SAFETY:
        return MSD_ERROR_INVALID_PROGRAMME;
    case MP_ERROR_NOT_FOUND:
        return MSD_ERROR_NOT_FOUND;
    case MP_ERROR_UNSUPPORTED:
        return MSD_ERROR_NOT_SUPPORTED;
    case MP_ERROR_CHECKSUM:
        break;
    }
    return MSD_ERROR_FAILED;
}

void msd_error_return(GDBusMethodInvocation *invocation, const GError *error)
{
    MsdError code = MSD_ERROR_FAILED;
    if (error->domain == MSD_ERROR)
        code = (MsdError)error->code;
    else if (error->domain == MP_ERROR)
        code = code_from_mp(error->code);
    else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        code = MSD_ERROR_NOT_FOUND;
    else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        code = MSD_ERROR_PERMISSION_DENIED;
    g_dbus_method_invocation_return_error_literal(invocation, MSD_ERROR, code, error->message);
}

char *msd_error_remote_name(const GError *error)
{
    if (!g_dbus_error_is_remote_error(error))
        return NULL;
    return g_dbus_error_get_remote_error(error);
}

/* BlueZ's connect errors in words, the one table. bluetoothd answers a failed
 * Device1.Connect with org.bluez.Error.Failed and a token naming the kernel's
 * errno (src/error.c btd_error_le_conn_from_errno: ECONNABORTED ->
 * "le-connection-abort-by-local", which is what an LE connect to a device
 * that is off or out of range ends in when the controller gives up), or with
 * older texts ("Page Timeout", "Software caused connection abort"). */
static const struct {
    const char *token; /* matched as a substring of the error text */
    const char *words;
} bluez_words[] = {
    {"le-connection-abort-by-local",
     "the device did not answer: it is switched off, out of reach, or connected to something "
     "else"},
    {"Software caused connection abort",
     "the device did not answer: it is switched off, out of reach, or connected to something "
     "else"},
    {"br-connection-page-timeout", "the device did not answer: it is switched off or out of reach"},
    {"Page Timeout", "the device did not answer: it is switched off or out of reach"},
    {"le-connection-timeout", "the connection attempt timed out: the device is switched off or "
                              "out of reach"},
    {"Host is down", "the device is switched off or out of reach"},
    {"le-connection-refused", "the device refused the connection"},
    {"br-connection-refused", "the device refused the connection"},
    {"Connection refused", "the device refused the connection"},
    {"le-connection-abort-by-remote", "the device closed the connection while it was being set up"},
    {"Connection reset by peer", "the device closed the connection while it was being set up"},
    {"le-connection-adapter-not-powered", "the Bluetooth adapter is switched off"},
    {"Resource Not Ready", "the Bluetooth adapter is not ready (switched off?)"},
    {"le-connection-busy", "bluetoothd is busy with another connection attempt"},
    {"In Progress", "bluetoothd is busy with another connection attempt to it"},
    {"le-connection-key-missing", "the device has forgotten its pairing: remove and pair it again"},
    {"le-connection-link-layer-protocol-error",
     "the radio link failed while connecting (interference or too far)"},
    {"le-connection-gatt-browsing", "the device's services could not be read"},
};

static gssize bluez_words_index(const char *text)
{
    if (!text)
        return -1;
    for (gsize i = 0; i < G_N_ELEMENTS(bluez_words); i++)
        if (strstr(text, bluez_words[i].token))
            return (gssize)i;
    return -1;
}

const char *msd_error_bluez_words(const char *text)
{
    gssize i = bluez_words_index(text);
    return i < 0 ? NULL : bluez_words[i].words;
}

char *msd_error_in_words(const char *text)
{
    gssize i = bluez_words_index(text);
    if (i < 0)
        return g_strdup(text ? text : "");
    /* The words for a person; bluetoothd's own token for whoever digs
     * (D-Bus error names and method names are neither). */
    return g_strdup_printf("%s (bluetoothd: %s)", bluez_words[i].words, bluez_words[i].token);
}

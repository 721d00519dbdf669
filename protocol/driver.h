/* A device driver: bytes in, bytes out, for one family of massage devices.
 *
 * A driver knows how to recognise its device (advertised name patterns and
 * service UUID), which GATT characteristics to write and to subscribe, the
 * write type, the minimum gap between writes and the keepalive period. It
 * encodes commands in the product's units into frames and decodes the
 * device's notifications into readings. No I/O, no main loop: the daemon and
 * the simulator do the talking. */
#pragma once

#include <glib.h>

#include "protocol/mp-error.h"

G_BEGIN_DECLS

typedef enum {
    MP_KIND_PERCUSSION,
    MP_KIND_VIBRATION,
    MP_KIND_ANY, /* programmes only: runs on either kind */
} MpDeviceKind;

const char *mp_device_kind_to_string(MpDeviceKind kind);
gboolean mp_device_kind_from_string(const char *s, MpDeviceKind *out);

typedef enum {
    MP_WRITE_WITHOUT_RESPONSE, /* ATT Write Command; BlueZ WriteValue type "command" */
    MP_WRITE_WITH_RESPONSE,    /* ATT Write Request; BlueZ WriteValue type "request" */
} MpWriteType;

typedef enum {
    MP_CMD_START,     /* value 0: start at the driver's default (lowest running) level;
                       * value 1..100: start at that intensity percent */
    MP_CMD_STOP,      /* stop now; must always encode */
    MP_CMD_INTENSITY, /* value: 0..100 percent, the product's unit; 0 means stopped */
    MP_CMD_SPEED,     /* value: device units (RPM, level), within speed_min..speed_max */
    MP_CMD_MODE,      /* value: a device mode number */
    MP_CMD_STATUS,    /* ask the device to report its state */
    MP_CMD_KEEPALIVE, /* the frame sent every keepalive_ms while connected */
    MP_CMD_BATTERY,   /* ask the device for its battery level (devices without 0x2A19) */
} MpCommandKind;

const char *mp_command_kind_to_string(MpCommandKind kind);
gboolean mp_command_kind_from_string(const char *s, MpCommandKind *out);

typedef struct {
    MpCommandKind kind;
    double value;
} MpCommand;

typedef enum {
    MP_READING_BATTERY = 1 << 0,
    MP_READING_RUNNING = 1 << 1,
    MP_READING_SPEED = 1 << 2,
    MP_READING_INTENSITY = 1 << 3,
    MP_READING_FORCE = 1 << 4,
    MP_READING_ERROR = 1 << 5,
    MP_READING_ACK = 1 << 6,
    MP_READING_INFO = 1 << 7,
    /* The device says it stopped its motor by itself (its own button, its
     * watchdog, overheating, a fault); error_code says why when set. */
    MP_READING_STOPPED = 1 << 8,
} MpReadingField;

/* What one notification said. Only the fields named in `fields` are set. */
typedef struct {
    guint fields;
    guint battery;     /* percent */
    gboolean running;  /* motor on */
    guint speed;       /* device units */
    double intensity;  /* percent */
    double force;      /* device-reported force, newtons */
    guint error_code;  /* device error code (driver-specific, documented per driver) */
    guint ack_seq;     /* sequence number a write acknowledgement refers to */
    guint ack_status;  /* 0 = accepted */
    char info[64];     /* version or device type text, NUL-terminated */
    guint watchdog_ms; /* with INFO: the device stops when the host is silent this long
                        * (0: it did not say) */
} MpReading;

/* The longest silence (ms) after which a device with a watchdog may have
 * stopped its motor by itself. `keepalive_ms` is the driver's (0: the device
 * has no watchdog, and the result is 0: no limit); `device_watchdog_ms` is
 * what the device said of itself (0: nothing). Without the device's word,
 * twice the keepalive (the shortest watchdog the protocols allow); with it,
 * its watchdog less a sixth for the delay between our write and its arrival,
 * never below twice the keepalive. */
guint mp_silence_limit_ms(guint keepalive_ms, guint device_watchdog_ms);

/* Render a reading as one line of "key=value" pairs, e.g. "battery=85 running=yes". */
char *mp_reading_to_string(const MpReading *reading);

typedef struct _MpDriver MpDriver;

/* Appends one or more frames (GBytes) to `frames`. Values out of range are
 * refused with MP_ERROR_RANGE, never clamped: the caller decides what to send. */
typedef gboolean (*MpEncodeFunc)(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                                 GPtrArray *frames, GError **error);
/* Decodes the bytes notified (or read) on characteristic `char_uuid`. */
typedef gboolean (*MpDecodeFunc)(const MpDriver *driver, const char *char_uuid, const guint8 *data,
                                 gsize len, MpReading *out, GError **error);

/* The device's side, for the simulator, the sim's command log and round-trip
 * tests: what command a written frame carries (and its sequence number, 0 if
 * the protocol has none), and the notification frame that reports a reading
 * (or NULL with MP_ERROR_UNSUPPORTED for fields the device cannot report).
 * encode_reading builds ONE frame: the driver picks the frame kind for the
 * most urgent field present (each driver's comment says its order) and
 * leaves out fields that frame cannot carry; it fails only when no frame
 * carries any field asked for. */
typedef gboolean (*MpParseCommandFunc)(const MpDriver *driver, const guint8 *data, gsize len,
                                       MpCommand *out, guint8 *seq, GError **error);
typedef GBytes *(*MpEncodeReadingFunc)(const MpDriver *driver, const MpReading *reading,
                                       GError **error);

struct _MpDriver {
    gint ref_count;
    char *name;        /* "reference", "theragun", "lovense", or the .device file's Name */
    char *description; /* one line for `massagectl device list` */
    char *origin;      /* "built-in" or the .device file's path */
    MpDeviceKind kind;
    /* Glob patterns on the advertised name, case-insensitive. When there are
     * any, a device must match one: service UUIDs such as 0xFFE0 or the Nordic
     * UART are shared by countless unrelated devices, and a person may be
     * under whatever we drive. Empty: the (unique) service UUID suffices. */
    GStrv name_patterns;
    char *service_uuid; /* primary service, lowercase 128-bit form */
    char *write_uuid;   /* characteristic commands are written to */
    char *notify_uuid;  /* characteristic subscribed for readings; NULL if none */
    GStrv read_uuids;   /* characteristics read once after connecting; may be empty */
    MpWriteType write_type;
    guint min_gap_ms;   /* at least this long between two writes */
    guint keepalive_ms; /* 0: the device needs no keepalive */
    guint speed_min;    /* device units for MP_CMD_SPEED; 0..0 if speed is not settable */
    guint speed_max;
    char *speed_unit;  /* "rpm", "level", ... */
    gboolean uses_seq; /* frames carry a sequence number the device acknowledges */
    /* The device reports its state after every frame that changes it (the
     * reference protocol, docs/protocol.md §7): a state saying "stopped" is
     * then usually the answer to our own stop, and a stop of its own comes
     * with MP_READING_STOPPED (an ERROR) first. Devices without it report
     * their state only when asked, or on a change of their own. */
    gboolean reports_changes;
    MpEncodeFunc encode;
    MpDecodeFunc decode;
    MpParseCommandFunc parse_command;
    MpEncodeReadingFunc encode_reading;
    gpointer priv;
    GDestroyNotify priv_free;
};

MpDriver *mp_driver_new(void);

/* A built-in driver as data: what its constructor used to set field by
 * field. Lists end with NULL (NULL: empty); UUIDs may be in any form
 * mp_uuid_normalise() takes. */
typedef struct {
    const char *name;
    const char *description;
    MpDeviceKind kind;
    const char *const *name_patterns;
    const char *service_uuid;
    const char *write_uuid;
    const char *notify_uuid;
    const char *const *read_uuids;
    MpWriteType write_type;
    guint min_gap_ms;
    guint keepalive_ms;
    guint speed_min;
    guint speed_max;
    const char *speed_unit;
    gboolean uses_seq;
    gboolean reports_changes;
    MpEncodeFunc encode;
    MpDecodeFunc decode;
    MpParseCommandFunc parse_command;
    MpEncodeReadingFunc encode_reading;
} MpDriverSpec;

/* A new driver (origin "built-in") with every field from `spec`. */
MpDriver *mp_driver_new_from_spec(const MpDriverSpec *spec);
MpDriver *mp_driver_ref(MpDriver *driver);
void mp_driver_unref(MpDriver *driver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpDriver, mp_driver_unref)

gboolean mp_driver_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                          GPtrArray *frames, GError **error);
gboolean mp_driver_decode(const MpDriver *driver, const char *char_uuid, const guint8 *data,
                          gsize len, MpReading *out, GError **error);

gboolean mp_driver_parse_command(const MpDriver *driver, const guint8 *data, gsize len,
                                 MpCommand *out, guint8 *seq, GError **error);
GBytes *mp_driver_encode_reading(const MpDriver *driver, const MpReading *reading, GError **error);

/* How well a discovered device fits: 0 = no match; a service UUID match
 * scores higher than a name match, both together highest. A driver with
 * name patterns scores 0 unless the name matches one. */
guint mp_driver_match_score(const MpDriver *driver, const char *adv_name,
                            const char *const *service_uuids);

/* The built-in drivers, in a stable order. */
MpDriver *mp_driver_reference_new(void);
MpDriver *mp_driver_theragun_new(void);
MpDriver *mp_driver_lovense_new(void);

/* UUID helpers: expand "180f" / "0x180F" / full forms to lowercase 128-bit. */
char *mp_uuid_normalise(const char *uuid, GError **error);
gboolean mp_uuid_equal(const char *a, const char *b);

/* Frame helpers used by drivers, the simulator and the CLI. */
char *mp_hex_format(const guint8 *data, gsize len); /* "aa 70 01" */
/* Accepts "aa 70 01", "aa7001", "AA:70:01", several arguments joined by spaces. */
GBytes *mp_hex_parse(const char *text, GError **error);

G_END_DECLS

/* The massaged reference protocol, version 1.0: the constants a device (or
 * the simulator) needs, and the frame helpers both sides share.
 *
 * docs/protocol.md is the specification; this header is its machine-readable
 * half. Every number here appears in the spec with the same name. */
#pragma once

#include <glib.h>

#include "protocol/driver.h"

G_BEGIN_DECLS

/* Protocol version carried in byte 0 of every frame (major) and in the
 * Capabilities characteristic (major and minor). */
#define MP_REF_VERSION_MAJOR 1
#define MP_REF_VERSION_MINOR 0

/* GATT layout. A random 128-bit base; the second 16-bit group counts up. */
#define MP_REF_SERVICE_UUID         "e9150001-8561-4594-b206-6dd46f942e75"
#define MP_REF_CAPABILITIES_UUID    "e9150002-8561-4594-b206-6dd46f942e75" /* read */
#define MP_REF_CONTROL_UUID         "e9150003-8561-4594-b206-6dd46f942e75" /* write without response */
#define MP_REF_STATUS_UUID          "e9150004-8561-4594-b206-6dd46f942e75" /* notify */
#define MP_REF_BATTERY_SERVICE_UUID "0000180f-0000-1000-8000-00805f9b34fb"
#define MP_REF_BATTERY_LEVEL_UUID   "00002a19-0000-1000-8000-00805f9b34fb" /* read, notify */

/* Frame layout: VER OP SEQ LEN PAYLOAD[LEN] CRC16-LE.
 * The CRC is CRC-16/CCITT-FALSE over VER..PAYLOAD, sent low byte first. */
#define MP_REF_HEADER_LEN  4
#define MP_REF_CRC_LEN     2
#define MP_REF_MAX_FRAME   20 /* one ATT_MTU of 23 minus the 3-byte ATT header */
#define MP_REF_MAX_PAYLOAD (MP_REF_MAX_FRAME - MP_REF_HEADER_LEN - MP_REF_CRC_LEN) /* 14 */
#define MP_REF_MIN_FRAME   (MP_REF_HEADER_LEN + MP_REF_CRC_LEN)                    /* 6 */

/* Control opcodes (host to device, on the Control characteristic). */
typedef enum {
    MP_REF_OP_START = 0x01,      /* u8 intensity percent, 0 = the device's default */
    MP_REF_OP_STOP = 0x02,       /* no payload; applied whatever its sequence number */
    MP_REF_OP_INTENSITY = 0x03,  /* u8 percent 0..100; 0 stops the motor */
    MP_REF_OP_SPEED = 0x04,      /* u16 device units; 0 stops the motor */
    MP_REF_OP_MODE = 0x05,       /* u8 mode number below Capabilities' mode count */
    MP_REF_OP_STATUS_REQ = 0x06, /* no payload; answered with a STATE notification */
    MP_REF_OP_KEEPALIVE = 0x07,  /* no payload; only resets the watchdog */
} MpRefOpcode;

/* Notification opcodes (device to host, on the Status characteristic). */
typedef enum {
    MP_REF_OP_STATE = 0x81, /* flags, intensity, speed u16, mode, battery */
    MP_REF_OP_FORCE = 0x82, /* u16 force in 0.1 N */
    MP_REF_OP_ERROR = 0x83, /* u8 error code, u8 opcode concerned (0 = none) */
    MP_REF_OP_ACK = 0x84,   /* u8 acknowledged sequence number, u8 status */
} MpRefNotifyOpcode;

#define MP_REF_STATE_LEN 6 /* payload bytes of STATE */
#define MP_REF_FORCE_LEN 2
#define MP_REF_ERROR_LEN 2
#define MP_REF_ACK_LEN   2

#define MP_REF_STATE_RUNNING   0x01 /* STATE flags bit 0: the motor is on */
#define MP_REF_BATTERY_UNKNOWN 0xFF /* STATE battery byte when not measured */

/* Status of an ACK, and the code of an ERROR notification. */
typedef enum {
    MP_REF_OK = 0x00,
    MP_REF_ERR_BAD_CRC = 0x01,        /* CRC mismatch: frame dropped */
    MP_REF_ERR_BAD_LENGTH = 0x02,     /* LEN disagrees with the frame or the opcode */
    MP_REF_ERR_UNKNOWN_OPCODE = 0x03, /* opcode not defined in this version */
    MP_REF_ERR_OUT_OF_RANGE = 0x04,   /* a value outside the Capabilities' range */
    MP_REF_ERR_STALE = 0x05,          /* SEQ not newer than the last applied frame */
    MP_REF_ERR_VERSION = 0x06,        /* VER is not a major version the device speaks */
    MP_REF_ERR_INHIBITED = 0x07,      /* the device cannot run now (charging, too hot) */
    MP_REF_ERR_WATCHDOG = 0x10,       /* stopped: the host was silent too long */
    MP_REF_ERR_OVERHEAT = 0x11,       /* stopped: motor or battery too hot */
    MP_REF_ERR_LOW_BATTERY = 0x12,    /* stopped: battery too low to run */
    MP_REF_ERR_MOTOR_FAULT = 0x13,    /* stopped: stall or driver fault */
    MP_REF_ERR_USER_STOP = 0x14,      /* stopped: the button on the device was pressed */
} MpRefStatus;

const char *mp_reference_status_to_string(guint code);

/* Capabilities characteristic: 13 bytes, little-endian; later minor
 * versions may append fields, so hosts accept longer values. */
#define MP_REF_CAPABILITIES_LEN 13

#define MP_REF_KIND_PERCUSSION 0x00
#define MP_REF_KIND_VIBRATION  0x01

#define MP_REF_FEATURE_SPEED   0x01 /* SPEED is accepted */
#define MP_REF_FEATURE_MODES   0x02 /* MODE is accepted */
#define MP_REF_FEATURE_FORCE   0x04 /* FORCE notifications are sent */
#define MP_REF_FEATURE_BATTERY 0x08 /* Battery Service present */

#define MP_REF_UNIT_NONE  0x00
#define MP_REF_UNIT_RPM   0x01
#define MP_REF_UNIT_LEVEL 0x02
#define MP_REF_UNIT_HZ    0x03

/* Keepalive: the host writes at least every MP_REF_HOST_KEEPALIVE_MS; a
 * device's watchdog timeout must be at least twice that. */
#define MP_REF_HOST_KEEPALIVE_MS   1000
#define MP_REF_MIN_WATCHDOG_MS     2000
#define MP_REF_DEFAULT_WATCHDOG_MS 3000
#define MP_REF_MAX_WATCHDOG_MS     60000
#define MP_REF_DEFAULT_MIN_GAP_MS  20

typedef struct {
    guint8 version_major;
    guint8 version_minor;
    guint8 kind;       /* MP_REF_KIND_* */
    guint8 features;   /* MP_REF_FEATURE_* */
    guint16 speed_min; /* lowest running speed; 0 always means stop */
    guint16 speed_max;
    guint8 speed_unit;   /* MP_REF_UNIT_* */
    guint16 watchdog_ms; /* the device stops when the host is silent this long */
    guint8 mode_count;
    guint8 min_gap_ms; /* the host keeps at least this long between control frames */
} MpRefCapabilities;

gboolean mp_reference_parse_capabilities(const guint8 *data, gsize len, MpRefCapabilities *out,
                                         GError **error);
GBytes *mp_reference_encode_capabilities(const MpRefCapabilities *caps);

/* One frame, taken apart. `payload` points into the parsed buffer. */
typedef struct {
    guint8 version;
    guint8 opcode;
    guint8 seq;
    guint8 len;
    const guint8 *payload;
} MpRefFrame;

/* Builds VER OP SEQ LEN PAYLOAD CRC. `len` must be <= MP_REF_MAX_PAYLOAD. */
GBytes *mp_reference_frame_build(guint8 opcode, guint8 seq, const guint8 *payload, gsize len);
/* Checks length, LEN, CRC and VER (in that order). On failure sets `error`
 * and, if `status` is not NULL, the protocol's code for it (MP_REF_ERR_*). */
gboolean mp_reference_frame_parse(const guint8 *data, gsize len, MpRefFrame *out, guint8 *status,
                                  GError **error);

/* Device side: a Control frame as a command, with the MP_REF_ERR_* code to
 * answer a refused frame with (the simulator's NACK). */
gboolean mp_reference_parse_control(const guint8 *data, gsize len, MpCommand *out, guint8 *seq,
                                    guint8 *status, GError **error);

/* Serial-number arithmetic (RFC 1982) on 8-bit sequence numbers: TRUE when
 * `seq` comes after `last`, i.e. (seq - last) mod 256 is in 1..127. */
gboolean mp_reference_seq_is_newer(guint8 seq, guint8 last);

/* The device's sequence rule (docs/protocol.md section 5), for firmware
 * models such as the simulator. Zero-initialise (or reset) at each
 * connection. */
typedef struct {
    gboolean have_last;
    guint8 last; /* SEQ of the last applied state-changing frame */
} MpRefSeqWindow;

void mp_reference_seq_reset(MpRefSeqWindow *window);
/* MP_REF_OK if a parsed control frame is to be applied, MP_REF_ERR_STALE if
 * not; updates the window. START, INTENSITY, SPEED and MODE apply only when
 * newer; STOP always applies; STATUS and KEEPALIVE always apply and never
 * move the window, so a keepalive overtaking an intensity cannot make it
 * stale. */
guint8 mp_reference_seq_accept(MpRefSeqWindow *window, MpCommandKind kind, guint8 seq);

G_END_DECLS

#include "protocol/checksum.h"

guint8 mp_sum8(const guint8 *data, gsize len)
{
    guint8 sum = 0;
    for (gsize i = 0; i < len; i++)
        sum = (guint8)(sum + data[i]);
    return sum;
}

guint8 mp_xor8(const guint8 *data, gsize len)
{
    guint8 x = 0;
    for (gsize i = 0; i < len; i++)
        x ^= data[i];
    return x;
}

guint8 mp_crc8(const guint8 *data, gsize len)
{
    guint8 crc = 0x00;
    for (gsize i = 0; i < len; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x80) ? (guint8)((crc << 1) ^ 0x07) : (guint8)(crc << 1);
    }
    return crc;
}

guint16 mp_crc16_modbus(const guint8 *data, gsize len)
{
    guint16 crc = 0xFFFF;
    for (gsize i = 0; i < len; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (guint16)((crc >> 1) ^ 0xA001) : (guint16)(crc >> 1);
    }
    return crc;
}

guint16 mp_crc16_ccitt(const guint8 *data, gsize len)
{
    guint16 crc = 0xFFFF;
    for (gsize i = 0; i < len; i++) {
        crc ^= (guint16)(data[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (guint16)((crc << 1) ^ 0x1021) : (guint16)(crc << 1);
    }
    return crc;
}

/* org.massaged.Sim1: run-time fault injection and state queries. */
#pragma once

#include <gio/gio.h>

#include "sim/fake-bluez.h"

G_BEGIN_DECLS

typedef struct _SimControl SimControl;

/* Exports /org/massaged/Sim on `conn`, then owns org.massaged.Sim. */
SimControl *sim_control_new(GDBusConnection *conn, FakeBluez *fb, SimLog *log);
void sim_control_free(SimControl *ctl);
void sim_control_bluez_changed(SimControl *ctl); /* org.bluez came or went */
/* A bluetoothd restart `at_ms` from now, gone for `down_ms` (the start-time fault). */
void sim_control_schedule_restart(SimControl *ctl, guint at_ms, guint down_ms);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SimControl, sim_control_free)

G_END_DECLS

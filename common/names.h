/* Bus names, object paths and interface names that more than one program
 * spells: massaged owns the org.massaged ones, massagectl and the bridge call
 * them; bluetoothd owns the org.bluez ones, which massaged calls and
 * massage-sim impersonates. One spelling here, so a renamed interface is a
 * compile error everywhere instead of a silent "UnknownMethod" at run time.
 * data/org.massaged.xml and data/org.bluez.xml remain the source of the
 * interfaces themselves; these are only the names. */
#pragma once

/* ---- massaged (data/org.massaged.xml) ---- */
#define MSD_BUS_NAME          "org.massaged"
#define MSD_ROOT_PATH         "/org/massaged" /* the Manager1 and the ObjectManager */
#define MSD_SESSION_PATH_FMT  "/org/massaged/session/%u"
#define MSD_DEVICE_PATH_FMT   "/org/massaged/%s/%s" /* adapter, BlueZ's dev_AA_BB_... */
#define MSD_MANAGER_IFACE     "org.massaged.Manager1"
#define MSD_DEVICE_IFACE      "org.massaged.Device1"
#define MSD_SESSION_IFACE     "org.massaged.Session1"
#define MSD_ERROR_NAME_PREFIX "org.massaged.Error."

/* ---- bluetoothd (data/org.bluez.xml), as massaged uses it and massage-sim fakes it ---- */
#define BLUEZ_BUS_NAME           "org.bluez"
#define BLUEZ_ADAPTER_PATH_FMT   "/org/bluez/%s" /* adapter: "hci0" */
#define BLUEZ_ADAPTER_IFACE      "org.bluez.Adapter1"
#define BLUEZ_DEVICE_IFACE       "org.bluez.Device1"
#define BLUEZ_GATT_SERVICE_IFACE "org.bluez.GattService1"
#define BLUEZ_GATT_CHAR_IFACE    "org.bluez.GattCharacteristic1"
#define BLUEZ_BATTERY_IFACE      "org.bluez.Battery1"
#define BLUEZ_GATT_MANAGER_IFACE "org.bluez.GattManager1"
#define BLUEZ_ADV_MANAGER_IFACE  "org.bluez.LEAdvertisingManager1"

/* bluetoothd's error replies that both sides act on: massaged maps them
 * (daemon/bluez.c), massage-sim answers with them (sim/fake-bluez*.c). */
#define BLUEZ_ERROR_FAILED            "org.bluez.Error.Failed"
#define BLUEZ_ERROR_IN_PROGRESS       "org.bluez.Error.InProgress"
#define BLUEZ_ERROR_NOT_READY         "org.bluez.Error.NotReady"
#define BLUEZ_ERROR_NOT_CONNECTED     "org.bluez.Error.NotConnected"
#define BLUEZ_ERROR_NOT_AVAILABLE     "org.bluez.Error.NotAvailable"
#define BLUEZ_ERROR_ALREADY_CONNECTED "org.bluez.Error.AlreadyConnected"
#define BLUEZ_ERROR_NOT_PERMITTED     "org.bluez.Error.NotPermitted"
#define BLUEZ_ERROR_NOT_SUPPORTED     "org.bluez.Error.NotSupported"
#define BLUEZ_ERROR_INVALID_ARGUMENTS "org.bluez.Error.InvalidArguments"
#define BLUEZ_ERROR_INVALID_OFFSET    "org.bluez.Error.InvalidOffset"
#define BLUEZ_ERROR_DOES_NOT_EXIST    "org.bluez.Error.DoesNotExist"

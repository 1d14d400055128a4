/* cuba.c — Brian2's CUBA network: 4,000 LIF neurons with current-based exponential synapses (model:
 * src/sim/cuba.c). */
#define NET_MODEL "cuba"
#include "net_main.h"

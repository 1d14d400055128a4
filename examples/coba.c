/* coba.c — the COBA network (BrainPy's variant of Brette et al. 2007): 4,000 LIF neurons, 80% excitatory,
 * exponential conductances (model: src/sim/coba.c). `make demo` runs it for 1 s with its raster. */
#define NET_MODEL "coba"
#include "net_main.h"

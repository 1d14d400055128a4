/* coba_hh.c — Brian2's COBA-HH network: 4,000 Hodgkin-Huxley neurons (Traub-Miles), conductance synapses,
 * exponential Euler (model: src/sim/coba_hh.c). */
#define NET_MODEL "coba_hh"
#include "net_main.h"

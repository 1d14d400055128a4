"""bp.dyn's synaptic outputs (BrainPy 2.4+): conductance -> current, as COBA, CUBA and the NMDA Mg block."""

import numpy as np

from .. import math as bm
from ..initialize import parameter
from .base import SynOut

__all__ = ['SynOut', 'COBA', 'CUBA', 'MgBlock']


def _param(x, sharding):
    return parameter(x, np.shape(x), sharding=sharding)


class COBA(SynOut):
    """Conductance-based output: I = g (E - V)."""

    def __init__(self, E, sharding=None, name=None, scaling=None):
        super().__init__(name=name, scaling=scaling)
        self.sharding = sharding
        self.E = self.offset_scaling(_param(E, sharding))

    def update(self, conductance, potential):
        return conductance * (self.E - potential)


class CUBA(SynOut):
    """Current-based output: I = g."""

    def __init__(self, name=None, scaling=None):
        super().__init__(name=name, scaling=scaling)

    def update(self, conductance, potential=None):
        return conductance


class MgBlock(SynOut):
    """NMDA's magnesium block: I = g (E - V) / (1 + cc_Mg / beta * exp(alpha (V_offset - V)))."""

    def __init__(self, E=0., cc_Mg=1.2, alpha=0.062, beta=3.57, V_offset=0., sharding=None, name=None,
                 scaling=None):
        super().__init__(name=name, scaling=scaling)
        self.sharding = sharding
        self.E = self.offset_scaling(_param(E, sharding))
        self.V_offset = self.offset_scaling(_param(V_offset, sharding))
        self.cc_Mg = _param(cc_Mg, sharding)
        self.alpha = self.inv_scaling(_param(alpha, sharding))
        self.beta = _param(beta, sharding)

    def update(self, conductance, potential):
        norm = (1 + self.cc_Mg / self.beta * bm.exp(self.alpha * (self.V_offset - potential)))
        return conductance * (self.E - potential) / norm

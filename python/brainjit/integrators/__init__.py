"""bp.integrators: numerical integrators of ODEs (bp.odeint) and SDEs (bp.sdeint), and bp.JointEq."""

from . import constants, utils, base, joint_eq, ode, sde  # noqa: F401
from .constants import *  # noqa: F401,F403
from .base import AbstractIntegrator, Integrator  # noqa: F401
from .joint_eq import JointEq  # noqa: F401
from .ode import (ODEIntegrator, odeint, get_default_odeint, set_default_odeint,  # noqa: F401
                  register_ode_integrator)
from .sde import (SDEIntegrator, sdeint, get_default_sdeint, set_default_sdeint,  # noqa: F401
                  register_sde_integrator)


def get_supported_methods():
    """The names of the ODE methods (bp.integrators.ode.get_supported_methods(); the SDE ones are
    bp.integrators.sde.get_supported_methods())."""
    return ode.get_supported_methods()

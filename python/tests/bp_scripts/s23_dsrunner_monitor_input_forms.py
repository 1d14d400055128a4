"""docs/tutorial_simulation/simulation_dsrunner: every monitor form (names, (name, index), dict of Variables,
dict of (Variable, index), a lambda) and input form (fixed ('Ein', 20.), iterated section_input with 'iter',
a function reading bp.share['i']) on a deterministic two-population LifRef network with input Variables."""
import brainjit as bp
import brainjit.math as bm


class Net(bp.DynSysGroup):
    def __init__(self):
        super().__init__()
        pars = dict(V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5., V_initializer=bp.init.Constant(-60.))
        self.E = bp.dyn.LifRef(4, **pars)
        self.I = bp.dyn.LifRef(2, **pars)
        self.Ein = bm.Variable(bm.zeros(4))
        self.Iin = bm.Variable(bm.zeros(2))

    def update(self):
        self.E(self.Ein.value * bm.asarray([0.6, 0.8, 1.0, 1.2]))
        self.I(self.Iin.value)
        self.Ein.value = bm.zeros(4)
        self.Iin.value = bm.zeros(2)


net = Net()
runner1 = bp.DSRunner(net, monitors=['E.spike', 'E.V', 'I.spike', 'I.V'],
                      inputs=[('Ein', 20.), ('Iin', 20.)], progress_bar=False)
runner1.run(50.)

net.reset_state()
runner2 = bp.DSRunner(net, monitors=[('E.spike', [1, 2, 3]), 'E.V'], inputs=[('Ein', 20.), ('Iin', 20.)],
                      progress_bar=False)
runner2.run(50.)

net.reset_state()
runner3 = bp.DSRunner(net, monitors={'spike': net.E.spike, 'V': net.E.V}, inputs=[('Ein', 20.), ('Iin', 20.)],
                      progress_bar=False)
runner3.run(50.)

net.reset_state()
runner4 = bp.DSRunner(net, monitors={'E.spike': (net.E.spike, [1, 2]), 'E.V': net.E.V},
                      inputs=[('Ein', 20.), ('Iin', 20.)], progress_bar=False)
runner4.run(50.)

net.reset_state()
runner5 = bp.DSRunner(net, monitors={'E-I.spike': lambda: bm.concatenate((net.E.spike, net.I.spike), axis=0)},
                      inputs=[('Ein', 20.), ('Iin', 20.)], progress_bar=False)
runner5.run(50.)

net.reset_state()
I, length = bp.inputs.section_input(values=[0, 20., 0], durations=[10, 30, 10], return_length=True, dt=0.1)
runner7 = bp.DSRunner(net, monitors=['E.spike'], inputs=[('Ein', I, 'iter'), ('Iin', I, 'iter')], progress_bar=False)
runner7.run(length)

net.reset_state()
ramp = bm.linspace(10., 30., 500)


def set_input():
    i = bp.share['i']
    net.Ein[:] = ramp[i]
    net.Iin[:] = 20.


runner8 = bp.DSRunner(net, monitors=['E.spike'], inputs=set_input, progress_bar=False)
runner8.run(50.)

observed = {
    'r1_E_spike': runner1.mon['E.spike'], 'r1_E_V': runner1.mon['E.V'], 'r1_I_spike': runner1.mon['I.spike'],
    'r1_I_V': runner1.mon['I.V'], 'r2_E_spike': runner2.mon['E.spike'], 'r2_E_V': runner2.mon['E.V'],
    'r3_spike': runner3.mon['spike'], 'r3_V': runner3.mon['V'], 'r4_E_spike': runner4.mon['E.spike'],
    'r4_E_V': runner4.mon['E.V'], 'r5_EI_spike': runner5.mon['E-I.spike'], 'length': length,
    'r7_E_spike': runner7.mon['E.spike'], 'r7_ts': runner7.mon.ts, 'r8_E_spike': runner8.mon['E.spike'],
}

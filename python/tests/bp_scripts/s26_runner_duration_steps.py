"""DSRunner.run(duration) with durations that are whole numbers of steps only up to floating point (0.3 / 0.1 is
2.9999999999999996): BrainPy 2.8 takes int() of it (2 steps), brainjit the whole number of steps (3); a duration
between steps (0.15 ms) runs the steps that fit in both. Each run starts from a reset neuron with a new runner."""
import brainjit as bp
import brainjit.math as bm


class Driven(bp.DynamicalSystem):
    def __init__(self):
        super().__init__()
        self.neu = bp.dyn.Lif(2, V_rest=-65., V_reset=-68., V_th=-55., tau=10., V_initializer=bp.init.Constant(-65.))

    def update(self):
        return self.neu(bm.asarray([30., 15.]))


net = Driven()
observed = {}
for name, duration in [('d0_3', 0.3), ('d0_7', 0.7), ('d2_3', 2.3), ('d0_15', 0.15), ('d10', 10.)]:
    net.reset_state()
    runner = bp.DSRunner(net, monitors={'V': net.neu.V}, progress_bar=False)
    runner.run(duration)
    observed['V_' + name] = runner.mon['V']
    observed['ts_' + name] = runner.mon.ts

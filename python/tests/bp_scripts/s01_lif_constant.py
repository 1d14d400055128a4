"""Three bp.dyn.Lif neurons under three constant currents through DSRunner(inputs=array): one stays below threshold."""
import brainjit as bp
import brainjit.math as bm

neu = bp.dyn.Lif(3, V_rest=-65., V_reset=-68., V_th=-55., tau=10., R=1.,
                 V_initializer=bp.init.Constant(-65.))
currents = bm.ones((1000, 3)) * bm.asarray([5., 12., 20.])  # 100 ms at dt=0.1, one column per neuron

runner = bp.DSRunner(neu, monitors=['V', 'spike'], progress_bar=False)
runner.run(inputs=currents)

rate = bp.measure.firing_rate(runner.mon['spike'], 10.)

observed = dict(ts=runner.mon.ts, V=runner.mon['V'], spike=runner.mon['spike'], rate=rate)

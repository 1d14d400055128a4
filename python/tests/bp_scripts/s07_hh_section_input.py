"""bp.dyn.HH (Hodgkin-Huxley) under a current step; gating variables start at their steady state (BrainPy default)."""
import brainjit as bp
import brainjit.math as bm

hh = bp.dyn.HH(2, V_initializer=bp.init.Constant(-65.))
inputs = bm.asarray(bp.inputs.section_input([0., 6., 0.], [10., 50., 20.])).reshape(-1, 1) * bm.asarray([1., 0.5])

runner = bp.DSRunner(hh, monitors=['V', 'm', 'h', 'n', 'spike'], progress_bar=False)
runner.run(inputs=inputs)

observed = dict(V=runner.mon['V'], m=runner.mon['m'], h=runner.mon['h'], n=runner.mon['n'],
                spike=runner.mon['spike'])

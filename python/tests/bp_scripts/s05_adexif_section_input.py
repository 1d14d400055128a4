"""bp.dyn.AdExIF (adaptive exponential IF) under a section input: adaptation current w and spike times."""
import brainjit as bp
import brainjit.math as bm

neu = bp.dyn.AdExIF(2, a=bm.asarray([1., 0.]), b=bm.asarray([1., 5.]), tau_w=30.,
                    V_initializer=bp.init.Constant(-65.), w_initializer=bp.init.ZeroInit())

inputs = bp.inputs.section_input([0., 22., 0.], [20., 100., 30.])  # 150 ms
runner = bp.DSRunner(neu, monitors=['V', 'w', 'spike'], progress_bar=False)
runner.run(inputs=inputs)

observed = dict(V=runner.mon['V'], w=runner.mon['w'], spike=runner.mon['spike'])

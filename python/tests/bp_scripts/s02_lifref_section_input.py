"""bp.dyn.LifRef (refractory) driven by bp.inputs.section_input; monitors the refractory state and last spike time."""
import brainjit as bp
import brainjit.math as bm

neu = bp.dyn.LifRef(1, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5., ref_var=True,
                    V_initializer=bp.init.Constant(-60.))

inputs = bp.inputs.section_input([0., 21., 0.], [20., 60., 20.])  # 100 ms
runner = bp.DSRunner(neu, monitors=['V', 'spike', 'refractory', 't_last_spike'], progress_bar=False)
runner.run(inputs=inputs)

observed = dict(inputs_shape=bm.as_numpy(inputs).shape, ts=runner.mon['ts'], V=runner.mon['V'],
                spike=runner.mon['spike'], refractory=runner.mon['refractory'],
                t_last_spike=runner.mon['t_last_spike'])

"""bp.dyn.ExpIF fed by bp.inputs.constant_input (a step current), with the documented parameters."""
import brainjit as bp
import brainjit.math as bm

neu = bp.dyn.ExpIF(1, V_rest=-65., V_reset=-68., V_th=-30., V_T=-59.9, delta_T=3.48, tau=10.,
                   V_initializer=bp.init.Constant(-65.))

current, length = bp.inputs.constant_input([(0., 20.), (5., 60.), (0., 20.)])
runner = bp.DSRunner(neu, monitors=['V', 'spike'], progress_bar=False)
runner.run(inputs=current)

observed = dict(length=length, current_shape=bm.as_numpy(current).shape, V=runner.mon['V'],
                spike=runner.mon['spike'])

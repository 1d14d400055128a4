"""bp.dyn.LifRefLTC stepped by bm.for_loop over step_run (the 2.4+ loop without a runner), four input levels."""
import brainjit as bp
import brainjit.math as bm

neu = bp.dyn.LifRefLTC(4, V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=5.,
                       V_initializer=bp.init.Constant(-60.))
inp = bm.asarray([9., 15., 20., 30.])

indices = bm.arange(500)  # 50 ms
spks = bm.for_loop(lambda i: neu.step_run(i, inp), indices)

observed = dict(spike=bm.as_numpy(spks), V_end=bm.as_numpy(neu.V.value),
                t_last_spike=bm.as_numpy(neu.t_last_spike.value))

"""bp.dyn.Izhikevich with per-neuron (a, c, d) (an array b breaks BrainPy 2.8.2's scaling code): regular spiking,
intrinsically bursting, chattering, fast spiking. 100 ms: the fast-spiking neuron's phase is neutrally stable, so
float32 rounding differences between XLA and C accumulate over its cycles (float64 runs of both agree to 1e-11) and
move its 20th spike by a step after 139 ms."""
import brainjit as bp
import brainjit.math as bm

a = bm.asarray([0.02, 0.02, 0.02, 0.1])
c = bm.asarray([-65., -55., -50., -65.])
d = bm.asarray([8., 4., 2., 2.])
neu = bp.dyn.Izhikevich(4, a=a, b=0.2, c=c, d=d, V_initializer=bp.init.OneInit(-65.))

runner = bp.DSRunner(neu, monitors=['V', 'u', 'spike'], progress_bar=False)
runner.run(inputs=bm.ones(1000) * 10.)  # 100 ms

observed = dict(V=runner.mon['V'], u=runner.mon['u'], spike=runner.mon['spike'])

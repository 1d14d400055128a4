"""Delays on a deterministic network: one regularly firing LifRef drives one post neuron per (projection kind, delay)
through FullProjAlignPost, FullProjAlignPostMg, ProjAlignPostMg2, FullProjAlignPreSDMg and FullProjAlignPreDSMg with
delays None, 0., 0.1, 0.2, 0.5 and 1.0 ms, and a bp.VarDelay of the pre spikes with several entries is read by .at()
before it is updated (ei_nets.py's order). BrainPy 2.4-2.8 lags an entry of d >= 1 steps by max(d - 2, 0) steps
(brainpy/BrainPy#709), brainjit by d steps: the test compares against BrainPy recorded with its steps patched
(record_brainpy.py's delay correction). tau_ref = 4.95 keeps the refractory end off an exact tie (see s08)."""
import brainjit as bp
import brainjit.math as bm

lif = dict(V_rest=-60., V_th=-50., V_reset=-60., tau=20., tau_ref=4.95, V_initializer=bp.init.Constant(-60.))
DELAYS = [None, 0., 0.1, 0.2, 0.5, 1.0]


def one():
    return bp.conn.FixedProb(1., pre=1, post=1)


def make(kind, pre, post, delay):
    if kind == 'full_post':
        return bp.dyn.FullProjAlignPost(pre=pre, delay=delay, comm=bp.dnn.EventCSRLinear(one(), 2.),
                                        syn=bp.dyn.Expon(1, tau=5.), out=bp.dyn.COBA(E=0.), post=post)
    if kind == 'full_post_mg':
        return bp.dyn.FullProjAlignPostMg(pre=pre, delay=delay, comm=bp.dnn.EventCSRLinear(one(), 2.),
                                          syn=bp.dyn.Expon.desc(1, tau=5.), out=bp.dyn.COBA.desc(E=0.), post=post)
    if kind == 'post_mg2':
        return bp.dyn.ProjAlignPostMg2(pre=pre, delay=delay, comm=bp.dnn.EventCSRLinear(one(), 2.),
                                       syn=bp.dyn.Expon.desc(1, tau=5.), out=bp.dyn.COBA.desc(E=0.), post=post)
    proj = bp.dyn.FullProjAlignPreSDMg if kind == 'pre_sd' else bp.dyn.FullProjAlignPreDSMg
    return proj(pre=pre, syn=bp.dyn.Expon.desc(1, tau=5.), delay=delay, comm=bp.dnn.CSRLinear(one(), 2.),
                out=bp.dyn.COBA(E=0.), post=post)


KINDS = ['full_post', 'full_post_mg', 'post_mg2', 'pre_sd', 'pre_ds']


class DelayNet(bp.DynSysGroup):
    def __init__(self):
        super().__init__()
        self.pre = bp.dyn.LifRef(1, **lif)
        self.posts, self.projs = [], []
        for k, kind in enumerate(KINDS):
            for j, d in enumerate(DELAYS):
                post = bp.dyn.LifRef(1, **lif)
                setattr(self, f'post_{k}_{j}', post)
                setattr(self, f'proj_{k}_{j}', make(kind, self.pre, post, d))
                self.posts.append(post)
                self.projs.append(getattr(self, f'proj_{k}_{j}'))
        self.vdelay = bp.VarDelay(self.pre.spike, entries={'none': None, 'd1': 0.1, 'd2': 0.2, 'd5': 0.5})

    def update(self):
        seen = bm.concatenate([self.vdelay.at(e) for e in ('none', 'd1', 'd2', 'd5')]).astype(float)
        for p in self.projs:
            p()
        self.pre(25.)
        for p in self.posts:
            p()
        self.vdelay(self.pre.spike.value)
        v = bm.concatenate([p.V.value for p in self.posts])
        return self.pre.spike.value, seen, v


net = DelayNet()
pre_spikes, seen, potentials = bm.for_loop(net.step_run, bm.arange(400))  # 40 ms: the pre fires at 10.2 and 25.4 ms

observed = dict(pre_spike=bm.as_numpy(pre_spikes), vdelay_seen=bm.as_numpy(seen), V=bm.as_numpy(potentials))

"""The Python binding follows include/brainjit.h: every public C function is used by the extension, reachable from
bm as an op name of bj_op, or listed below as C-only with the reason. A new public function fails this test until
the binding (or this list, with a reason) follows it."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Not bound, on purpose. Each group says why.
C_ONLY = {
    # callback forms: Python drives the callback-free equivalents (bj_jit_trace_begin/end, bj_loop_begin/end,
    # bj_while_begin/body/end, bj_cond_begin/else/end, bj_jvp_begin/param/end, bj_jit_call_tagged) and keeps static
    # values as Python objects
    'bj_jit_call', 'bj_jit_call_traced', 'bj_jit_method', 'bj_for_loop', 'bj_loop_yield', 'bj_while_loop', 'bj_cond',
    'bj_jvp',
    'bj_num_params', 'bj_param_named', 'bj_param_f64', 'bj_param_i64', 'bj_param_bool', 'bj_param_str',
    # plain traces, graphs and executables: Python reaches them through jit handles (ir(), source(), stats())
    'bj_trace_new', 'bj_trace_free', 'bj_trace_arg', 'bj_val_trace', 'bj_lit', 'bj_graph_retain', 'bj_graph_release',
    'bj_graph_num_inputs', 'bj_graph_num_outputs', 'bj_graph_num_nodes', 'bj_graph_print', 'bj_graph_to_string',
    'bj_graph_run', 'bj_compile', 'bj_exec_release', 'bj_exec_run', 'bj_exec_run_into', 'bj_exec_backend',
    'bj_exec_num_kernels', 'bj_exec_source', 'bj_op_count', 'bj_op_name',
    # host-side conveniences numpy or the eager ops already give Python
    'bj_clear_error', 'bj_array_ones', 'bj_array_full', 'bj_array_arange', 'bj_array_linspace', 'bj_array_nbytes',
    'bj_array_print', 'bj_array_save_npy', 'bj_array_load_npy', 'bj_object_retain', 'bj_object_var', 'bj_jit_retain',
    'bj_jit_print',
    # the C simulation layer (src/sim), which the Python modelling layer (issue 12) builds on bm instead
    'bj_raster_svg', 'bj_raster_svg_events', 'bj_spikes_dense', 'bj_net_run', 'bj_delay_init', 'bj_delay_read', 'bj_delay_push', 'bj_delay_release',
    'bj_progress_new', 'bj_progress_update', 'bj_progress_free', 'bj_conn_from_pairs', 'bj_conn_check',
    # ops outside BrainPy's bm surface (bm indexing uses take / scatter; keys come from RandomState)
    'bj_dynamic_slice', 'bj_dynamic_update_slice', 'bj_random_key_const', 'bj_random_fold_in_in',
}


def _public_functions():
    text = open(os.path.join(ROOT, 'include', 'brainjit.h')).read()
    return re.findall(r'BJ_API\s+([^;{]*?)\b(bj_\w+)\s*\(', text)


def _read(pattern):
    return ''.join(open(f).read() for f in glob.glob(os.path.join(ROOT, pattern), recursive=True))


def test_every_public_function_is_bound_or_listed_as_c_only():
    ext = _read('python/brainjit/_core*.[ch]')
    py = _read('python/brainjit/**/*.py')
    missing = []
    for ret, name in _public_functions():
        if name in C_ONLY or re.search(r'\b%s\b' % name, ext):
            continue
        op = re.sub(r'_in$', '', name[3:])  # bj_add_in -> "add": the name bj_op takes
        if 'bj_val' in ret and re.search(r"""['"]%s['"]""" % op, py):
            continue
        missing.append(name)
    assert not missing, f'public functions the Python binding neither uses nor lists as C-only: {missing}'


def test_c_only_list_names_only_public_functions():
    public = {name for _, name in _public_functions()}
    assert not (C_ONLY - public), f'not in include/brainjit.h any more: {sorted(C_ONLY - public)}'

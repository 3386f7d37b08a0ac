"""bp.sweep in this process: results against closed forms, resets, hooks, failures, errors."""

import numpy as np
import pytest

import workbench as bp
from workbench.sweep import Sweep, SweepError

from .models import Leaky, NoisyLIF, build_leaky, build_noisy, euler_leaky, final_V, spike_count

DT = 0.1


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test builds its own models (this process's model cache outlives a sweep)."""
    bp.sweep.clear_cache()
    yield


def _leaky_sweep(params, **kwargs):
    options = dict(duration=10., inputs=('input', 1.), measure=final_V, seed=0, progress=False)
    options.update(kwargs)
    return bp.sweep(build_leaky, params, **options)


def test_module_is_callable_and_has_the_classes():
    assert callable(bp.sweep) and bp.sweep.Sweep is Sweep
    assert bp.sweep.__call__.__doc__.startswith("Run a model over a grid")


def test_measures_match_the_closed_form_for_every_set():
    taus = [2., 5., 10., 20.]
    table = _leaky_sweep({'tau': taus})
    assert table.columns[:2] == ['tau', 'V'] and table['status'].tolist() == ['ok'] * 4
    np.testing.assert_allclose(table['V'], [euler_leaky(1., tau, DT, 100) for tau in taus],
                               rtol=1e-12)
    assert table.meta['executor'] == 'serial' and table.meta['varied'] == ['tau']
    assert table['built'].tolist() == [True, False, False, False]     # one build, reused


def test_every_set_starts_from_the_built_state_whatever_ran_before():
    forward = _leaky_sweep({'tau': [2., 5., 10.]})
    backward = _leaky_sweep({'tau': [10., 5., 2.]})
    np.testing.assert_array_equal(forward['V'], backward['V'][::-1])
    # without the reset, each set continues from the previous one's V: a different table
    carried = _leaky_sweep({'tau': [2., 5., 10.]}, reset=False)
    assert carried['V'][0] == forward['V'][0] and carried['V'][1] > forward['V'][1]


def test_a_set_without_a_parameter_gets_the_built_default():
    table = _leaky_sweep([{'tau': 2.}, {}, {'drive': 1.}])
    expected = [euler_leaky(1., 2., DT, 100), euler_leaky(1., 10., DT, 100),
                euler_leaky(2., 10., DT, 100)]
    np.testing.assert_allclose(table['V'], expected, rtol=1e-12)
    assert np.isnan(table['tau'][1]) and np.isnan(table['drive'][0])


def test_apply_hook_and_callable_inputs_take_free_parameters():
    def apply(group, time_scale):
        group.tau = 10. * time_scale

    def inputs(group, params):
        return ('input', params['amplitude'])

    table = bp.sweep(build_leaky, {'time_scale': [0.5, 1.], 'amplitude': [1., 3.]},
                     duration=10., inputs=inputs, apply=apply, measure=final_V, seed=0,
                     progress=False)
    expected = [euler_leaky(a, 10. * s, DT, 100) for s in (0.5, 1.) for a in (1., 3.)]
    np.testing.assert_allclose(table['V'], expected, rtol=1e-12)


def test_build_params_rebuild_per_value():
    def per_size(group):
        return {'n': group.num, 'V': float(group.V.mean())}
    table = bp.sweep(build_leaky, {'size': [1, 3], 'tau': [5., 10.]}, build_params=['size'],
                     duration=5., inputs=('input', 1.), measure=per_size, seed=0, progress=False)
    assert table['n'].tolist() == [1, 1, 3, 3]
    assert table['built'].tolist() == [True, False, True, False]
    np.testing.assert_allclose(table['V'], [euler_leaky(1., t, DT, 50) for t in (5., 10.)] * 2,
                               rtol=1e-12)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning",
                            "ignore:invalid value:RuntimeWarning")
def test_a_failing_set_is_reported_retried_and_the_others_complete():
    table = _leaky_sweep({'tau': [5., 0., 10.]})
    assert table['status'].tolist() == ['ok', 'error', 'ok']
    assert table['attempts'].tolist() == [1, 2, 1]
    assert table['error'][1].startswith("SimulationError: Leaky 'L' (size 1): V became")
    assert 'Traceback' in table.tracebacks[1]
    assert table['built'].tolist() == [True, True, False]          # the retry built a fresh model
    np.testing.assert_allclose(table['V'][[0, 2]], [euler_leaky(1., 5., DT, 100),
                                                    euler_leaky(1., 10., DT, 100)], rtol=1e-12)
    assert np.isnan(table['V'][1])
    with pytest.raises(SweepError, match="row 1 {'tau': 0.0}"):
        table.raise_for_errors()


def test_seeds_make_a_stochastic_model_reproducible():
    params = {'N.sigma': [2., 6.]}
    kwargs = dict(duration=20., measure=spike_count, repeats=2, progress=False)
    a = bp.sweep(build_noisy, params, seed=11, **kwargs)
    b = bp.sweep(build_noisy, params, seed=11, **kwargs)
    c = bp.sweep(build_noisy, params, seed=12, **kwargs)
    assert a.equals(b) and not a.equals(c)
    assert a['repeat'].tolist() == [0, 1, 0, 1]
    assert len(set(a['seed'].tolist())) == 4
    assert a['last_V'][0].shape == (20,) and not np.array_equal(a['last_V'][0], a['last_V'][1])


def test_numpy_global_state_is_restored_after_a_serial_sweep():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    _leaky_sweep({'tau': [5.]})
    assert np.random.random() == expected


def test_progress_and_on_result_report_every_set():
    fractions, rows = [], []
    table = _leaky_sweep({'tau': [5., 10., 20.]}, progress=fractions.append,
                         on_result=lambda i, row: rows.append((i, row['tau'], row['V'])))
    assert fractions == pytest.approx([1 / 3, 2 / 3, 1.])
    assert [(i, tau) for i, tau, _ in rows] == [(0, 5.), (1, 10.), (2, 20.)]
    assert [v for _, _, v in rows] == table['V'].tolist()


def test_start_runs_in_the_background_and_stop_cancels_the_rest():
    search = Sweep(build_leaky, {'tau': [1., 2., 3., 4., 5.]}, duration=10.,
                   inputs=('input', 1.), measure=final_V, seed=0)
    holder = {}

    def stop_after_two(index, row):
        if index == 1:
            holder['run'].stop()

    run = holder['run'] = search.start(on_result=stop_after_two)
    table = run.result(timeout=60)
    assert run.done
    assert table['status'].tolist() == ['ok', 'ok', 'cancelled', 'cancelled', 'cancelled']
    assert table.meta['stopped']


def test_replay_returns_the_model_of_a_row():
    search = Sweep(build_noisy, {'N.sigma': [2., 6.]}, duration=20., measure=spike_count, seed=3)
    table = search.run(progress=False)
    model = search.replay(1)
    assert isinstance(model, NoisyLIF) and model.sigma == 6.
    assert int(model.mon.spike.sum()) == table['count'][1]
    with pytest.raises(SweepError, match="`index`=2 is not a row"):
        search.replay(2)


@pytest.mark.parametrize("params, kwargs, match", [
    ({'tau': [1.]}, {'measure': lambda g: 'high'}, "`measure` returned str"),
    ({'tau': [1.]}, {'measure': lambda g: {'tau': 1.}}, "already a parameter column"),
    ({'taux': [1.]}, {}, "is not an attribute path of the model"),
    ({'L.taux': [1.]}, {}, "Did you mean 'tau'"),
])
def test_mistakes_in_the_sweep_stop_it_with_the_partial_table(params, kwargs, match):
    with pytest.raises(SweepError, match=match) as info:
        _leaky_sweep(params, **kwargs)
    assert info.value.table is not None and info.value.table['status'].tolist() == ['cancelled']


def test_a_builder_that_returns_no_model_stops_the_sweep():
    with pytest.raises(SweepError, match="`build` returned 3"):
        bp.sweep(lambda: 3, {'a': [1]}, duration=1., measure=final_V, progress=False)


@pytest.mark.parametrize("kwargs, match", [
    ({'build': 3}, "`build`=3 must be a function"),
    ({'measure': None}, "`measure`=None must be a function"),
    ({'duration': -1.}, "must end after it starts"),
    ({'inputs': 'input'}, "`inputs`='input' must be a tuple"),
    ({'reset': 'sometimes'}, "`reset`='sometimes' is not supported"),
    ({'seed': -1}, "`seed`=-1 must be a non-negative integer"),
    ({'retries': 1.5}, "`retries`=1.5"),
    ({'build_params': ['size']}, "`build_params` names \\['size'\\]"),
])
def test_bad_arguments_are_refused_before_anything_runs(kwargs, match):
    options = dict(build=build_leaky, params={'tau': [1.]}, duration=1., measure=final_V)
    options.update(kwargs)
    with pytest.raises(SweepError if 'duration' not in kwargs else ValueError, match=match):
        Sweep(options.pop('build'), options.pop('params'), **options)


def test_inputs_that_name_objects_of_this_process_are_refused():
    group = Leaky(1, name='Here')
    with pytest.raises(SweepError, match="an object of this process.*'Here.input'"):
        Sweep(build_leaky, {'tau': [1.]}, duration=1., measure=final_V,
              inputs=[group, 'input', 1.])


@pytest.mark.parametrize("kwargs, match", [
    ({'executor': 'threads'}, "`executor`='threads' is not known"),
    ({'client': object()}, "is not a dask.distributed.Client"),
    ({'executor': 'processes', 'n_workers': 0}, "`n_workers`=0"),
    ({'progress': 'yes'}, "`progress`='yes'"),
])
def test_bad_executors_are_refused(kwargs, match):
    search = Sweep(build_leaky, {'tau': [1.]}, duration=1., measure=final_V)
    with pytest.raises(SweepError, match=match):
        search.run(**kwargs)


def test_reset_modes():
    forward = _leaky_sweep({'tau': [2., 5.]})
    # the class has no reset(): 'methods' keeps the previous set's V, a reset function clears it
    methods = _leaky_sweep({'tau': [2., 5.]}, reset='methods')
    assert methods['V'][0] == forward['V'][0] and methods['V'][1] > forward['V'][1]

    def clear(group):
        group.V[:] = 0.
    np.testing.assert_array_equal(_leaky_sweep({'tau': [2., 5.]}, reset=clear)['V'], forward['V'])


def test_functions_that_cannot_reach_workers_are_refused_before_any_worker_starts():
    import threading
    lock = threading.Lock()

    def build():
        with lock:
            return build_leaky()
    search = Sweep(build, {'tau': [1.]}, duration=1., measure=final_V)
    with pytest.raises(SweepError, match="`build` cannot be sent to worker processes.*lock"):
        search.run(executor='processes', progress=False)
    assert search.run(progress=False)['status'].tolist() == ['ok']    # in-process it runs

"""Trainer states streamed to a file: the bytes MXNet would pickle, and the same training after."""
import pickle

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

from gluon_sentiment.artifacts.states import (load_trainer_states, ndarray_raw_bytes,
                                              release_trainer_states, save_trainer_states)


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16', 'int32', 'int64', 'uint8',
                                   'int8'])
@pytest.mark.parametrize('shape', [(7,), (3, 5), (2, 3, 4)])
def test_raw_bytes_are_those_of_mxnets_own_pickling(dtype, shape):
    rng = np.random.RandomState(0)
    array = mx.nd.array(rng.uniform(-50, 50, size=shape), dtype=dtype)
    assert bytes(ndarray_raw_bytes(array)) == bytes(array.__getstate__()['handle'])


def test_arrays_it_does_not_build_go_through_mxnet():
    sparse = mx.nd.sparse.row_sparse_array((np.ones((1, 3)), [2]), shape=(4, 3))
    assert bytes(ndarray_raw_bytes(sparse)) == bytes(sparse.__getstate__()['handle'])


def _net_and_trainer(optimizer, params, sparse=True):
    mx.random.seed(3)
    net = gluon.nn.HybridSequential(prefix='net_')
    with net.name_scope():
        net.add(gluon.nn.Embedding(50, 4, sparse_grad=sparse), gluon.nn.Dense(2, in_units=20))
    net.initialize(mx.init.Xavier())
    params = dict(params)
    if 'lr_scheduler' in params:  # a scheduler of its own for every trainer
        steps, lr = params['lr_scheduler']
        params['lr_scheduler'] = mx.lr_scheduler.CosineScheduler(steps, lr, 0)
    return net, gluon.Trainer(net.collect_params(), optimizer, params)


def _step(net, trainer, seed):
    rng = np.random.RandomState(seed)
    x = mx.nd.array(rng.randint(0, 50, size=(8, 5)))
    y = mx.nd.array(rng.randint(0, 2, size=8))
    with autograd.record():
        loss = gluon.loss.SoftmaxCrossEntropyLoss()(net(x), y)
    loss.backward()
    trainer.step(8)


def _weights(net):
    return {name: p.data().asnumpy() for name, p in net.collect_params().items()}


OPTIMIZERS = [('adam', {'lr_scheduler': (20, 0.01)}),
              ('sgd', {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-4})]


@pytest.mark.parametrize('optimizer,params', OPTIMIZERS)
@pytest.mark.parametrize('load', ['ours', 'mxnet'])
def test_streamed_states_resume_exactly_as_mxnets_file(tmp_path, optimizer, params, load):
    net, trainer = _net_and_trainer(optimizer, params)
    for seed in range(3):
        _step(net, trainer, seed)
    net.save_parameters(str(tmp_path / 'w.params'))
    ours, theirs = str(tmp_path / 'ours.states'), str(tmp_path / 'theirs.states')
    save_trainer_states(trainer, ours)
    trainer.save_states(theirs)
    # the same objects: states equal array by array, the optimizer's fields equal
    mine, reference = pickle.load(open(ours, 'rb')), pickle.loads(open(theirs, 'rb').read())
    assert mine[0].keys() == reference[0].keys()
    for index, state in reference[0].items():
        got = mine[0][index]
        for a, b in zip(got if isinstance(got, tuple) else [got],
                        state if isinstance(state, tuple) else [state]):
            assert a.dtype == b.dtype and a.context == b.context
            np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    assert mine[1].num_update == reference[1].num_update == 3
    assert mine[1]._index_update_count == reference[1]._index_update_count
    # training on from either file gives the same weights as training on without a break
    for seed in range(3, 5):
        _step(net, trainer, seed)
    expected = _weights(net)
    resumed, resumed_trainer = _net_and_trainer(optimizer, params)
    resumed.load_parameters(str(tmp_path / 'w.params'))
    if load == 'ours':
        load_trainer_states(resumed_trainer, ours)
    else:
        resumed_trainer.load_states(ours)
    for seed in range(3, 5):
        _step(resumed, resumed_trainer, seed)
    for name, value in _weights(resumed).items():
        np.testing.assert_array_equal(value, expected[name], err_msg=name)


def test_states_written_by_mxnet_load_through_the_streaming_reader(tmp_path):
    net, trainer = _net_and_trainer(*OPTIMIZERS[0])
    _step(net, trainer, 0)
    path = str(tmp_path / 'theirs.states')
    trainer.save_states(path)
    _step(net, trainer, 1)
    expected = _weights(net)
    other, other_trainer = _net_and_trainer(*OPTIMIZERS[0])
    _step(other, other_trainer, 0)
    load_trainer_states(other_trainer, path)
    _step(other, other_trainer, 1)
    for name, value in _weights(other).items():
        np.testing.assert_array_equal(value, expected[name], err_msg=name)


def test_a_trainer_that_never_stepped_saves_through_mxnet(tmp_path):
    net, trainer = _net_and_trainer(*OPTIMIZERS[0])
    path = str(tmp_path / 'fresh.states')
    save_trainer_states(trainer, path)
    states, optimizer = pickle.load(open(path, 'rb'))
    assert states == {} and optimizer.num_update == 0


def test_released_states_free_the_moments_and_keep_the_counts():
    net, trainer = _net_and_trainer(*OPTIMIZERS[0])
    _step(net, trainer, 0)
    assert len(trainer._updaters[0].states) == 3  # embedding, dense weight and bias
    release_trainer_states(trainer)
    assert trainer._updaters[0].states == {} and trainer._optimizer.num_update == 1
    _step(net, trainer, 1)  # a later step starts the moments afresh
    assert len(trainer._updaters[0].states) == 3 and trainer._optimizer.num_update == 2

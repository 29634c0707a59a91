"""Parameter and trainer-state files written from the arrays themselves: MXNet's bytes, no copy."""
import pickle

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

from gluon_sentiment.artifacts.params import save_parameters
from gluon_sentiment.artifacts.states import load_trainer_states, save_trainer_states
from gluon_sentiment.model.ngram import NgramNet

ROWS, WIDTH = 1 << 20, 16  # a 64 MB table


def _peak_mb():
    with open('/proc/self/status', encoding='ascii') as f:
        line = next(line for line in f if line.startswith('VmHWM'))
    return int(line.split()[1]) / 1024


def _reset_peak():
    with open('/proc/self/clear_refs', 'w', encoding='ascii') as f:
        f.write('5')


def _growth_mb(write):
    mx.nd.waitall()
    _reset_peak()
    before = _peak_mb()
    write()
    return _peak_mb() - before


def _trained_table():
    net = gluon.nn.Embedding(ROWS, WIDTH, sparse_grad=True)
    net.initialize(mx.init.Uniform())
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.01})
    with autograd.record():
        loss = net(mx.nd.array([[1, 5, 9]])).sum()
    loss.backward()
    trainer.step(1)
    return net, trainer


@pytest.mark.parametrize('contexts', [[mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]])
def test_the_file_is_byte_for_byte_mxnets(tmp_path, contexts):
    mx.random.seed(1)
    net = NgramNet(vocab_size=30, embed_size=4, num_buckets=64)
    net.initialize(mx.init.Xavier(), ctx=contexts)
    net(mx.nd.array([[2, 3, 4, 1]], ctx=contexts[0]))
    if len(contexts) > 1:  # the copies differ: the file holds their average, as MXNet's
        weight = net.embedding.weight
        weight.list_data()[1][:] = weight.list_data()[1] * 3
    ours, theirs = tmp_path / 'ours.params', tmp_path / 'theirs.params'
    save_parameters(net, str(ours))
    net.save_parameters(str(theirs))
    assert ours.read_bytes() == theirs.read_bytes()


def test_writing_the_parameters_adds_no_copy_of_them(tmp_path):
    net, _ = _trained_table()
    path = str(tmp_path / 'w.params')
    assert _growth_mb(lambda: save_parameters(net, path)) < 16
    assert _growth_mb(lambda: net.save_parameters(path)) > 48  # what MXNet's method adds
    np.testing.assert_array_equal(mx.nd.load(path)['weight'].asnumpy(), net.weight.data().asnumpy())


def test_writing_the_states_adds_no_copy_of_them_and_they_load_back(tmp_path):
    net, trainer = _trained_table()
    path = str(tmp_path / 'w.states')
    assert _growth_mb(lambda: save_trainer_states(trainer, path)) < 16  # Adam's two 64 MB moments
    with open(path, 'rb') as f:
        saved = pickle.load(f)[0][0]
    expected = trainer._updaters[0].states[0]
    for got, want in zip(saved, expected):
        assert isinstance(got, mx.nd.NDArray) and got.dtype == want.dtype
        np.testing.assert_array_equal(got.asnumpy(), want.asnumpy())
    _, other = _trained_table()
    other.load_states(path)  # MXNet's own reader takes the file as well
    load_trainer_states(other, path)
    np.testing.assert_array_equal(other._updaters[0].states[0][1].asnumpy(), expected[1].asnumpy())

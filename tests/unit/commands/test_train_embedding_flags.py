"""The train command with pretrained vectors: freezing, multichannel, rescaling, reloading, bad flags."""
import json
import os

import numpy as np
import pytest

from glove_fixtures import DIM, LEFT_OUT, glove_file, glove_vectors, vocab  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment import embeddings as pretrained
from gluon_sentiment import train as train_cli
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.fit import run_training


FAST = ['--seq-len', '40', '--batch-size', '16', '--epochs', '2', '--lr', '0.01', '--quiet']


def _train(data, out, *extra):
    return train_cli.main(['--data', data, '--output-dir', str(out)] + FAST + list(extra))


@pytest.mark.parametrize('mode', ['--freeze-embedding', '--multichannel', None])
def test_train_with_vectors_and_reload_offline(review_folder, glove_file, tmp_path, mode):
    out = tmp_path / 'run'
    flags = ['--embedding', glove_file] + ([mode] if mode else [])
    assert _train(review_folder, out, *flags) == 0
    config = json.load(open(out / 'config.json'))
    metrics = json.load(open(out / 'metrics.json'))
    assert config['embed_size'] == DIM and config['model_kwargs']['embed_size'] == DIM
    assert config['embedding'] == glove_file
    assert config['model_kwargs'].get('multichannel', False) == (mode == '--multichannel')
    info = metrics['embedding']
    assert info['mode'] == {'--freeze-embedding': 'frozen', '--multichannel': 'multichannel',
                            None: 'fine-tuned'}[mode]
    assert info['origin'] == 'file' and info['dim'] == DIM
    assert sorted(info['missing']) == sorted(LEFT_OUT | {'really', 'yes'})  # 'Really?', 'Yes!'
    assert info['coverage'] == pytest.approx((info['words'] - 4) / info['words'])
    texts = ['great wonderful', 'awful boring', 'the plot?']
    first = gs.load_model(str(out)).predict_proba(texts)
    os.remove(glove_file)  # the run directory alone rebuilds the model
    np.testing.assert_allclose(gs.load_model(str(out)).predict_proba(texts), first, rtol=1e-6)


def test_frozen_run_keeps_the_vectors(review_folder, glove_file, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--embedding', glove_file, '--freeze-embedding') == 0
    net = gs.load_model(str(out)).net
    vocab = gs.load_model(str(out)).vocab
    aligned = pretrained.embedding_matrix(gs.load_token_embedding(glove_file), vocab)
    np.testing.assert_array_equal(net.embedding.weight.data().asnumpy(), aligned.matrix)


def test_embedding_std_rescales_the_run_vectors(review_folder, glove_file, tmp_path):
    out = tmp_path / 'run'
    assert _train(review_folder, out, '--embedding', glove_file, '--freeze-embedding',
                  '--embedding-std', '0.05') == 0
    clf = gs.load_model(str(out))
    aligned = pretrained.embedding_matrix(gs.load_token_embedding(glove_file), clf.vocab)
    np.testing.assert_allclose(clf.net.embedding.weight.data().asnumpy(),
                               pretrained.rescale_matrix(aligned.matrix, 0.05), rtol=1e-6)
    assert json.load(open(out / 'config.json'))['embedding_std'] == 0.05


@pytest.mark.parametrize('flags, message', [
    (['--embedding', 'VECTORS', '--embed-size', '16'],
     '--embed-size 16 contradicts --embedding'),
    (['--freeze-embedding'], '--freeze-embedding needs --embedding'),
    (['--multichannel'], '--multichannel needs --embedding'),
    (['--embedding', 'VECTORS', '--multichannel', '--freeze-embedding'],
     'leave out --freeze-embedding'),
    (['--embedding', 'VECTORS', '--multichannel', '--model', 'dense'],
     "model 'dense' has a single embedding"),
    (['--embedding', 'glove.7B.51d'], 'glove.6B.50d, glove.840B.300d'),
    (['--embedding-std', '0.05'], '--embedding-std needs --embedding'),
    (['--embedding', 'VECTORS', '--embedding-std', '0'], '--embedding-std must be positive'),
])
def test_bad_options_are_one_line_errors(review_folder, glove_file, tmp_path, capsys, flags,
                                         message):
    flags = [glove_file if f == 'VECTORS' else f for f in flags]
    assert _train(review_folder, tmp_path / 'run', *flags) == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and err.count('\n') == 1 and message in err
    assert not (tmp_path / 'run').exists()


def test_matching_embed_size_is_accepted(review_folder, glove_file, tmp_path):
    config = TrainConfig(data=review_folder, output_dir=str(tmp_path / 'run'), seq_len=40,
                         embed_size=DIM, embedding=glove_file, epochs=1, oov_vectors='random')
    assert run_training(config)['embedding']['oov'] == 'random'


def test_help_documents_the_embedding_flags(capsys):
    with pytest.raises(SystemExit):
        train_cli.main(['--help'])
    out = capsys.readouterr().out
    for flag in ('--embedding', '--freeze-embedding', '--multichannel', '--oov-vectors',
                 '--embed-size'):
        assert flag in out

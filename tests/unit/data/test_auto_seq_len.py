"""--seq-len auto: the length chosen from the training texts, saved resolved, used to predict."""
import json

import numpy as np
import pytest

import gluon_sentiment as gs
from gluon_sentiment import train as train_cli
from gluon_sentiment.data import DataConfig, auto_seq_len
from gluon_sentiment.data.corpus import encode_corpus
from gluon_sentiment.data.text import tokenize
from gluon_sentiment.data.vocab import AUTO_MAX, AUTO_MULTIPLE, parse_seq_len
from gluon_sentiment.errors import ConfigError
from gluon_sentiment.training import TrainConfig
from gluon_sentiment.training.fit import run_training


def test_the_95th_percentile_rounded_up_to_a_multiple_of_16():
    assert auto_seq_len(np.arange(1, 101)) == 96  # 95.05 -> 96
    assert auto_seq_len([20] * 95 + [1000] * 5) == 32  # the longest 5% are cut
    assert auto_seq_len([17] * 100) == 32 and auto_seq_len([16] * 100) == 16


def test_short_and_long_corpora_stay_within_bounds():
    assert auto_seq_len([1, 2, 3]) == AUTO_MULTIPLE
    assert auto_seq_len([]) == AUTO_MULTIPLE
    assert auto_seq_len([5000] * 10) == AUTO_MAX


def test_parse():
    assert parse_seq_len('auto') == 'auto' and parse_seq_len(' AUTO ') == 'auto'
    assert parse_seq_len('60') == 60
    with pytest.raises(ValueError):
        parse_seq_len('long')


def _texts(rng, n, longest=60):
    words = ['good', 'bad', 'film', "isn't", 'plot', 'the', '!', 'a']
    return [' '.join(rng.choice(words, rng.randint(1, longest))) for _ in range(n)]


def test_encoding_with_auto_is_encoding_with_the_chosen_length():
    rng = np.random.RandomState(0)
    texts = _texts(rng, 50) + _texts(rng, 20, longest=300)  # the long ones are not counted
    rows = np.arange(50)
    vocab, X, lengths = encode_corpus(texts, rows, 100, 'auto')
    chosen = auto_seq_len([len(tokenize(texts[i])) for i in rows])
    assert X.shape == (70, chosen) and chosen < 300
    same_vocab, same_X, same_lengths = encode_corpus(texts, rows, 100, chosen)
    assert vocab.idx_to_token == same_vocab.idx_to_token
    np.testing.assert_array_equal(X, same_X)
    np.testing.assert_array_equal(lengths, same_lengths)


def test_texts_longer_than_the_cap_are_counted_at_the_cap():
    texts = ['word ' * (AUTO_MAX + 500)] * 3
    _, X, lengths = encode_corpus(texts, None, 10, 'auto')
    assert X.shape == (3, AUTO_MAX) and list(lengths) == [AUTO_MAX] * 3


def test_config_accepts_auto_and_rejects_other_words():
    DataConfig(seq_len='auto').validate()
    with pytest.raises(ConfigError, match="number of tokens or 'auto'"):
        DataConfig(seq_len='long').validate()
    with pytest.raises(ConfigError, match='at least 1'):
        DataConfig(seq_len=0).validate()


def test_command_line(capsys):
    args = train_cli.build_parser().parse_args(['--seq-len', 'auto'])
    assert train_cli.config_from_args(args).seq_len == 'auto'
    assert train_cli.build_parser().parse_args(['--seq-len', '60']).seq_len == 60
    with pytest.raises(SystemExit):
        train_cli.build_parser().parse_args(['--seq-len', 'long'])
    assert '--seq-len' in capsys.readouterr().err


@pytest.mark.parametrize('model', ['multikernel', 'conv'])
def test_a_run_saves_the_resolved_length_and_predicts_with_it(review_folder, tmp_path, model):
    out = tmp_path / 'run'
    config = TrainConfig(data=review_folder, output_dir=str(out), model=model, seq_len='auto',
                         epochs=1, batch_size=16, embed_size=8)
    run_training(config)
    saved = json.load(open(out / 'config.json'))
    # the synthetic reviews run to 11-35 tokens
    assert isinstance(saved['seq_len'], int) and 16 <= saved['seq_len'] <= 48
    assert saved['seq_len'] % AUTO_MULTIPLE == 0
    clf = gs.load_model(str(out))
    assert clf.seq_len == saved['seq_len']
    assert clf.encode(['great film ' * 40]).shape == (1, saved['seq_len'])
    run_training(config)  # the same command again reuses the folder: no --overwrite needed
    assert json.load(open(out / 'config.json'))['seq_len'] == saved['seq_len']

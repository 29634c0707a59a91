"""The train command's --model-args, and the models that refuse --embedding."""
import gluon_sentiment as gs
from gluon_sentiment import train as train_cli


FAST = ['--seq-len', '40', '--embed-size', '8', '--batch-size', '16', '--quiet']


def test_model_args_reach_the_constructor_and_bad_ones_are_named(review_folder, tmp_path, capsys):
    out = tmp_path / 'args'
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--model', 'ngram',
                           '--epochs', '1', '--model-args', '{"num_buckets": 101, '
                           '"ngram_orders": [1, 2]}'] + FAST) == 0
    clf = gs.load_model(str(out))
    assert clf.net.embedding.weight.shape[0] == len(clf.vocab) + 101
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--overwrite',
                           '--model-args', '{"num_buckets": 101'] + FAST) == 2
    assert '--model-args' in capsys.readouterr().err
    assert train_cli.main(['--data', review_folder, '--output-dir', str(out), '--overwrite',
                           '--model-args', '{"bogus": 1}'] + FAST) == 2
    assert 'bogus' in capsys.readouterr().err


def test_ngram_refuses_pretrained_vectors(review_folder, tmp_path, capsys):
    assert train_cli.main(['--data', review_folder, '--output-dir', str(tmp_path / 'g'),
                           '--model', 'ngram', '--embedding', 'glove.6B.50d'] + FAST) == 2
    assert 'hashed n-grams' in capsys.readouterr().err

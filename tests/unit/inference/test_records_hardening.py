"""Prediction records on hostile and unreadable text, input lines, and ensemble member paths."""
import json
import logging
import os

import pytest

import gluon_sentiment as gs
from deploy_fixtures import deploy_root, multikernel_bundle, multikernel_run  # noqa: F401
from gluon_sentiment.artifacts.store import ENSEMBLE
from gluon_sentiment.errors import RunDirError
from gluon_sentiment.inference.ensemble import EnsembleClassifier, create_ensemble
from gluon_sentiment.inference.loading import load_ensemble
from gluon_sentiment.inference.records import (iter_records, predict_records, read_lines,
                                               vocabulary_coverage)


@pytest.fixture(scope='module')
def clf(multikernel_bundle):
    return gs.load_model(multikernel_bundle)


def test_records_keep_their_keys_and_add_coverage(clf):
    known = next(t for t in clf.vocab.idx_to_token if t.isalpha())
    records = predict_records(clf, [f'{known} {known} zzzqqqxx', 'Фильм ужасный', '', known])
    assert all({'text', 'label', 'probabilities'} <= set(r) for r in records)
    assert [(r['known_tokens'], r['coverage'], r['unreadable']) for r in records] == [
        (2, round(2 / 3, 4), False), (0, 0.0, True), (0, 0.0, True), (1, 1.0, False)]


def test_coverage_counts_only_the_tokens_the_model_reads(clf):
    known, read = vocabulary_coverage(clf, ['good ' * (clf.seq_len * 3)])
    assert read.tolist() == [clf.seq_len]


def test_lone_surrogates_replaced_and_counted_in_one_warning(clf, caplog):
    known = next(t for t in clf.vocab.idx_to_token if t.isalpha())
    texts = [f'\ud800 {known}', f'{known} \udfff\udc80', '电影'] * 3
    with caplog.at_level(logging.WARNING):
        records = list(iter_records(clf, texts, chunk_size=2))
    assert records[0]['text'] == f'\ufffd {known}' and records[1]['text'] == f'{known} \ufffd\ufffd'
    json.dumps(records, ensure_ascii=False).encode('utf-8')
    surrogate_warnings = [r for r in caplog.records if 'surrogate' in r.getMessage()]
    unreadable_warnings = [r for r in caplog.records if 'no token' in r.getMessage()]
    assert len(surrogate_warnings) == 1 and surrogate_warnings[0].getMessage().startswith('9 ')
    assert len(unreadable_warnings) == 1 and unreadable_warnings[0].getMessage().startswith('3 ')


def test_ensemble_reports_its_first_members_coverage(clf):
    ens = EnsembleClassifier([clf, clf], [0.3, 0.7])
    texts = ['great film', '电影很好']
    assert [r['coverage'] for r in predict_records(ens, texts)] == [
        r['coverage'] for r in predict_records(clf, texts)]
    assert vocabulary_coverage(ens, texts)[0].tolist() == vocabulary_coverage(clf, texts)[0].tolist()


def test_read_lines_splits_at_newline_only(tmp_path):
    path = tmp_path / 'in.txt'
    path.write_bytes(b'one\xc2\x85still one\r\ntwo \xe2\x80\xa8 two\n\nbad \xff\x85 bytes\nlast')
    assert list(read_lines(str(path))) == ['one\x85still one', 'two \u2028 two', '',
                                           'bad \ufffd\ufffd bytes', 'last']


def test_read_lines_of_a_folder_is_a_data_error(tmp_path):
    with pytest.raises(gs.errors.DataError, match='is a folder'):
        list(read_lines(str(tmp_path)))


@pytest.fixture
def ensemble(tmp_path, multikernel_run):
    out = tmp_path / 'ens'
    create_ensemble([multikernel_run], str(out))
    return out


def _rewrite(ensemble, **changes):
    path = ensemble / ENSEMBLE
    spec = json.loads(path.read_text())
    spec.update(changes)
    path.write_text(json.dumps(spec))


@pytest.mark.parametrize('members, words', [
    (['/etc'], 'not a relative path'),
    (['members/../../elsewhere'], 'not a relative path'),
    (['members/99-missing'], 'does not hold'),
    ('members/00-multikernel', 'not a list'),
    ([], 'not a list'),
    ([7], 'not a relative path'),
])
def test_ensemble_members_must_lie_inside_the_folder(ensemble, members, words):
    _rewrite(ensemble, members=members)
    with pytest.raises(RunDirError, match=words) as err:
        load_ensemble(str(ensemble))
    assert '\n' not in str(err.value)


def test_ensemble_member_symlink_out_of_the_folder_is_refused(ensemble, multikernel_run):
    os.symlink(multikernel_run, ensemble / 'members' / 'link')
    _rewrite(ensemble, members=['members/link'])
    with pytest.raises(RunDirError, match='leads out of the ensemble'):
        load_ensemble(str(ensemble))


def test_ensemble_bad_weights_are_a_run_dir_error(ensemble):
    _rewrite(ensemble, weights=[-1])
    with pytest.raises(RunDirError, match='bad weights'):
        load_ensemble(str(ensemble))


def test_a_valid_ensemble_still_loads(ensemble):
    assert isinstance(load_ensemble(str(ensemble)), EnsembleClassifier)

"""load_model's errors for paths that are not runs."""
import pytest

import gluon_sentiment as gs
from gluon_sentiment.errors import RunDirError


def test_load_model_errors(tmp_path):
    with pytest.raises(RunDirError, match='not a gluon_sentiment run'):
        gs.load_model(str(tmp_path))
    with pytest.raises(RunDirError, match='no such run directory'):
        gs.load_model(str(tmp_path / 'nope'))

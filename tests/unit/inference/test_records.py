"""Streaming predictions over records in order."""
from deploy_fixtures import deploy_root, multikernel_run  # noqa: F401
import gluon_sentiment as gs
from gluon_sentiment.inference.records import Throughput, iter_records


LINES = ['great wonderful excellent', 'awful boring terrible', '', 'the plot was a scene',
         'I loved it', 'hated it, the worst film', 'brilliant superb', 'dull']


def test_iter_records_streams_in_order(multikernel_run):
    clf = gs.load_model(multikernel_run)
    stats = Throughput()
    texts = (text for text in LINES * 3)  # a generator: read once, chunk by chunk
    records = list(iter_records(clf, texts, chunk_size=5, stats=stats))
    assert [r['text'] for r in records] == LINES * 3
    assert stats.texts == 24 and stats.per_second > 0

"""A worker of the distributed tests: ``python -m dist_worker TRAIN_ARGS``.

It trains exactly as ``python -m gluon_sentiment.train`` does, then saves
its own final parameters as ``OUTPUT_DIR/worker-RANK.params`` and what its
run ended with (its class weights, its final metrics: calibration, decision
threshold, test figures) as ``OUTPUT_DIR/worker-RANK.json``, so that the
test can compare the workers. With ``GS_TEST_KILL_RANK=R`` set, worker R
kills itself with SIGKILL once it has joined the job.
"""
import json
import os
import signal
import sys

from gluon_sentiment.training import distributed
from gluon_sentiment.training import fit as experiment
from gluon_sentiment import train

captured = {}


def _capture(function, name):
    def wrapper(*args, **kwargs):
        captured[name] = result = function(*args, **kwargs)
        if name == 'worker' and str(result.rank) == os.environ.get('GS_TEST_KILL_RANK'):
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapper


def _finish(run, *args, **kwargs):
    """``fit.finish``, remembering this worker's class weights and final metrics."""
    metrics = _finish.original(run, *args, **kwargs)
    weights = run.class_weights
    captured['result'] = {'class_weights': None if weights is None else weights.tolist(),
                          'metrics': metrics}
    return metrics


experiment.create_worker = _capture(distributed.create_worker, 'worker')
experiment.build_net = _capture(experiment.build_net, 'net')
_finish.original, experiment.finish = experiment.finish, _finish

if __name__ == '__main__':
    code = train.main(sys.argv[1:])
    args = train.build_parser().parse_args(sys.argv[1:])
    if code == 0:
        stem = os.path.join(args.output_dir, f'worker-{captured["worker"].rank}')
        captured['net'].save_parameters(stem + '.params')
        with open(stem + '.json', 'w', encoding='utf-8') as f:
            json.dump(captured["result"], f, default=float)
    sys.exit(code)

"""Helper process of the kill test (tests/integration/test_reliability.py), not a test module.

It imports the package once, then for each JSON request on stdin forks a
child that runs ``python -m gluon_sentiment.train ARGV`` in-process, kills
it with SIGKILL after ``delay`` seconds (if it is still running), with the
child's output appended to ``log`` (if given), and answers one JSON line:
``{"killed": bool, "status": int, "seconds": float}``.
Forking saves the seconds that importing MXNet takes in every new process.
"""
import json
import os
import signal
import sys
import time

from gluon_sentiment import train  # noqa: E402  (mxnet is imported once, here)
import gluon_sentiment.training.fit  # noqa: F401,E402


def _run(argv, delay, log_path=None):
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        log = os.open(log_path or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(log, 1)
        os.dup2(log, 2)
        code = 1
        try:
            code = train.main(argv)
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return {'killed': False, 'status': os.waitstatus_to_exitcode(status),
                    'seconds': time.monotonic() - start}
        if delay is not None and time.monotonic() - start >= delay:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {'killed': True, 'status': -9, 'seconds': time.monotonic() - start}
        time.sleep(0.001)


def main():
    print('ready', flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(_run(request['argv'], request.get('delay'), request.get('log'))),
              flush=True)


if __name__ == '__main__':
    main()

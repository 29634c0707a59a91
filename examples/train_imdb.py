"""Train Kim's CNN on IMDB from Python, then classify new sentences.

    python examples/train_imdb.py --data ../shared/data/aclImdb_train.tar.gz --output-dir runs/example

The same as ``python -m gluon_sentiment.train``, through the library API.
"""
import argparse
import logging

import gluon_sentiment as gs
from gluon_sentiment.training.config import TrainConfig
from gluon_sentiment.training.fit import run_training


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', help='IMDB folder or .tar.gz (default: download)')
    parser.add_argument('--output-dir', default='runs/example')
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s')

    config = TrainConfig(data=args.data, model='multikernel', epochs=args.epochs,
                         output_dir=args.output_dir, overwrite=args.overwrite)
    metrics = run_training(config)
    print(f"validation accuracy {metrics['val_accuracy']:.4f}, "
          f"test accuracy {metrics['test_accuracy']:.4f}")

    clf = gs.load_model(args.output_dir)
    for text in ['the movie was awesome. Loved it', 'unintelligent, gross, and vulgar',
                 'I expected more, it was dull']:
        neg, pos = clf.predict_proba([text])[0]
        print(f'{pos:.3f} positive | {text}')


if __name__ == '__main__':
    main()

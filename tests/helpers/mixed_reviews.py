"""A CSV of 600 reviews mixing positive and negative phrases, whose best epoch is seldom the last.

Each review has three phrases, two of its own class and one of the other, so a model fits it
quickly and then wanders: the tests of best-epoch restoring train on it.
"""
import csv
import random

POSITIVE = ['great film loved it', 'wonderful acting superb', 'a delight brilliant story']
NEGATIVE = ['awful boring mess', 'terrible plot waste', 'dull and bad']


def write_mixed_reviews(path):
    """Write the CSV (``text``, ``label`` positive/negative) to ``path``."""
    rng = random.Random(0)
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['text', 'label'])
        for _ in range(300):
            writer.writerow([f'{rng.choice(POSITIVE)} {rng.choice(NEGATIVE)} {rng.choice(POSITIVE)}',
                             'positive'])
            writer.writerow([f'{rng.choice(NEGATIVE)} {rng.choice(POSITIVE)} {rng.choice(NEGATIVE)}',
                             'negative'])

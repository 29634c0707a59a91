"""A three-class review CSV (bad, meh, good): neutral filler with a few words of the class."""
import csv
import random

from conftest import NEGATIVE, NEUTRAL, POSITIVE

MIDDLE = ['okay', 'average', 'mediocre', 'fine', 'passable', 'moderate']
CLASSES = ('bad', 'meh', 'good')


def three_class_rows(n_per_class=50, seed=0):
    """``(text, label)`` rows, ``n_per_class`` of each of :data:`CLASSES`, shuffled."""
    rng = random.Random(seed)
    rows = []
    for name, words in zip(CLASSES, (NEGATIVE, MIDDLE, POSITIVE)):
        for _ in range(n_per_class):
            tokens = [rng.choice(NEUTRAL) for _ in range(rng.randint(8, 25))]
            for _ in range(3):
                tokens.insert(rng.randrange(len(tokens)), rng.choice(words))
            rows.append((' '.join(tokens), name))
    rng.shuffle(rows)
    return rows


def write_csv(path, rows):
    """Write ``rows`` as a CSV with columns ``text`` and ``label``; the path as a string."""
    with open(path, 'w', newline='', encoding='utf-8') as f:
        writer = csv.writer(f)
        writer.writerow(['text', 'label'])
        writer.writerows(rows)
    return str(path)

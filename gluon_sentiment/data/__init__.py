"""Data: reading reviews, tokenizing, vocabulary, encoding, splits and folds.

One pipeline (:mod:`.pipeline`) serves training, cross-validation and the
recipes: read (:mod:`.formats`, :mod:`.reader`), split (:mod:`.split`,
:mod:`.folds`), tokenize and encode the whole corpus in numpy passes
(:mod:`.corpus`, with :mod:`.text` and :mod:`.vocab` as the per-text
reference).
"""
from .config import DataConfig
from .corpus import encode_corpus
from .folds import fold_dataset, stratified_folds
from .formats import FORMATS, load_dataset
from .labels import BINARY_CLASSES, label_indices
from .pipeline import Dataset, encode_splits, prepare_data, read_data, read_dataset, read_splits
from .reader import Reviews, read_reviews
from .split import balanced_subset, full_split_indices, split_indices
from .text import TOKENIZERS, clean_str, tokenize
from .vocab import PAD, UNK, auto_seq_len, build_vocab, decode, encode, encode_batch, pad_batch

__all__ = ['DataConfig', 'Dataset', 'Reviews', 'read_reviews', 'load_dataset', 'FORMATS',
           'read_data', 'read_dataset', 'read_splits', 'label_indices', 'BINARY_CLASSES',
           'encode_splits', 'prepare_data', 'tokenize', 'clean_str', 'TOKENIZERS',
           'build_vocab', 'encode', 'encode_batch', 'encode_corpus', 'decode', 'pad_batch',
           'split_indices', 'full_split_indices', 'balanced_subset', 'stratified_folds',
           'fold_dataset', 'UNK', 'PAD', 'auto_seq_len']

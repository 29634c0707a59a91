"""Data: reading reviews, tokenizing, vocabulary, splits and batches."""
from .corpus import encode_corpus
from .reader import Reviews, read_reviews
from .split import balanced_subset, split_indices
from .text import clean_str, tokenize
from .vocab import PAD, UNK, build_vocab, decode, encode, encode_batch, pad_batch

__all__ = ['Reviews', 'read_reviews', 'tokenize', 'clean_str', 'build_vocab', 'encode',
           'encode_batch', 'encode_corpus', 'decode', 'pad_batch', 'split_indices',
           'balanced_subset', 'UNK', 'PAD']

"""Cut very long texts to what ``seq_len`` tokens need, so memory is bounded by ``--seq-len``.

:func:`~gluon_sentiment.data.corpus.encode_corpus` works on one buffer of
all texts, several bytes of working memory per byte of text; a 10 MB review
would cost hundreds of MB for the at most ``seq_len`` tokens the matrix
keeps. :func:`clip_texts` leaves every text of at most
:data:`CHARS_PER_TOKEN` × ``seq_len`` characters alone (no IMDB review comes
near it at the default ``seq_len``) and cuts a longer one to a window at the
end that the matrix keeps (the start for ``truncate='post'``, the end for
``'pre'``). The window starts at that many characters and doubles until
:func:`~.text.tokenize` finds ``seq_len`` + :data:`MARGIN` tokens in it (or
it is the whole text). Cutting a text can change only the token at the cut
(a word cut in two, a ``<br />`` tag or a contraction cut short), so the
``seq_len`` tokens kept are exactly those of the whole text. Only the
window's tokens count towards the vocabulary.
"""
from typing import List, Sequence

from .text import tokenize

__all__ = ['CHARS_PER_TOKEN', 'MARGIN', 'clip_texts', 'clip_text']

#: characters per kept token below which a text is never cut
CHARS_PER_TOKEN = 64
#: tokens found beyond ``seq_len`` before a window is accepted (the cut changes at most one)
MARGIN = 2


def clip_text(text: str, seq_len: int, truncate: str = 'post') -> str:
    """``text``, or the shortest doubling window of it holding ``seq_len + MARGIN`` tokens."""
    window = CHARS_PER_TOKEN * max(seq_len + MARGIN, 1)
    if len(text) <= window:
        return text
    while window < len(text):
        piece = text[:window] if truncate == 'post' else text[-window:]
        if len(tokenize(piece)) >= seq_len + MARGIN:
            return piece
        window *= 2
    return text


def clip_texts(texts: Sequence[str], seq_len: int, truncate: str = 'post') -> List[str]:
    """:func:`clip_text` of every text (a new list; short texts are the same objects)."""
    return [clip_text(text, seq_len, truncate) for text in texts]

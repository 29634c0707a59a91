"""Text cleaning and tokenization with Yoon Kim's ``clean_str`` rules.

The MXNet sentiment tutorial cleaned reviews with the ``clean_str`` function
of Kim (2014), `CNN_sentence/process_data.py`: thirteen ``re.sub`` passes and
a ``lower()``. :func:`tokenize` gives exactly the same tokens without a single regex pass over the text:

1. the text is encoded to UTF-8 and one ``bytes.translate`` maps every byte
   outside ``[A-Za-z0-9(),!?'`]`` to a space (every byte of a non-ASCII
   character is >= 0x80, so such characters become spaces, as in Kim's
   first rule);
2. one walk over the apostrophes splits the contractions
   ``'s 've n't 're 'd 'll`` off the word before them, and ``bytes.replace``
   puts spaces around ``, ! ( ) ?``;
3. ``lower().split()`` stands for Kim's space collapsing, strip and lower.

On the 25,000 IMDB training reviews this is about 2.5 times as fast as the
thirteen-regex chain (see ``benchmarks/``).

The rules' quirks are kept on purpose, because vocabularies and pretrained
vectors are matched against them: brackets and question marks become the
two-character tokens ``\\(``, ``\\)`` and ``\\?`` (Kim's replacement strings
carried the backslash), contractions are split only when written in lower
case (``IT'S`` stays one token, ``it's``), and letters outside ASCII are
dropped.

:func:`clean_str_reference` is Kim's original chain, kept to test and
benchmark :func:`tokenize` against.
"""
import re
from typing import List, Tuple

__all__ = ['tokenize', 'clean_str', 'clean_str_reference', 'strip_html_breaks', 'split_lines',
           'replace_surrogates', 'REPLACEMENT', 'token_spans']

#: what an unencodable code point (a lone surrogate) becomes on output
REPLACEMENT = '\ufffd'

_BR = re.compile(r'<br\s*/?>', re.IGNORECASE)
_SURROGATE = re.compile('[\ud800-\udfff]')
_KEEP = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789(),!?'`")
_TO_SPACE = bytes(c if c in _KEEP else 0x20 for c in range(256))
_AFTER_APOSTROPHE = (b's', b've', b're', b'd', b'll')  # Kim's 's 've 're 'd 'll; and n't
_PUNCTUATION = [(b',', b' , '), (b'!', b' ! '), (b'(', b' \\( '), (b')', b' \\) '), (b'?', b' \\? ')]


def strip_html_breaks(text: str) -> str:
    """Replace the ``<br />`` tags of IMDB reviews by spaces.

    Parameters
    ----------
    text : str
        Raw review text.

    Returns
    -------
    str
        The text with every ``<br>``, ``<br/>`` and ``<br />`` replaced by a space.
    """
    return _BR.sub(' ', text) if '<' in text else text


def split_lines(text: str) -> List[str]:
    """Split a text into lines at ``\\n`` (and ``\\r\\n``), nowhere else.

    :meth:`str.splitlines` also ends a line at U+0085, U+2028, U+2029, form
    feed, vertical tab and the separators ``\\x1c``-``\\x1e``, which occur
    inside texts (U+0085 is byte 0x85, an ellipsis in Windows-1252, read as
    Latin-1). A line-oriented file ends its lines at ``\\n`` only.

    Parameters
    ----------
    text : str
        The whole content of a line-oriented file.

    Returns
    -------
    list of str
        The lines without their ``\\n`` or ``\\r\\n``; no empty last line for
        a text that ends with a line end (as :meth:`str.splitlines`).
    """
    lines = text.split('\n')
    if lines[-1] == '':
        lines.pop()
    return [line[:-1] if line.endswith('\r') else line for line in lines]


def replace_surrogates(text: str) -> Tuple[str, int]:
    """Replace the lone surrogates of ``text`` (which UTF-8 cannot encode) by U+FFFD.

    JSON escapes (``"\\ud800"``) and undecodable command-line bytes (Python's
    ``surrogateescape``) give strings holding them; they cannot be written
    as UTF-8.

    Parameters
    ----------
    text : str
        Any string.

    Returns
    -------
    (str, int)
        The string with every code point U+D800-U+DFFF replaced by
        :data:`REPLACEMENT`, and how many were replaced.
    """
    if text.isascii():
        return text, 0
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return _SURROGATE.subn(REPLACEMENT, text)
    return text, 0


def clean_str(text: str) -> str:
    """Clean a string with Kim's rules and return the tokens joined by spaces.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        Exactly what Kim's ``clean_str`` returns for ``text``.
    """
    return ' '.join(tokenize(text))


def tokenize(text: str) -> List[str]:
    """Split a text into Kim's ``clean_str`` tokens, after removing ``<br />`` tags.

    Parameters
    ----------
    text : str
        Any text, including the empty string.

    Returns
    -------
    list of str
        Lower-cased tokens; empty for a text without letters, digits or
        kept punctuation.
    """
    data = strip_html_breaks(text).encode('utf-8', 'surrogatepass').translate(_TO_SPACE)
    if b"'" in data:
        data = _split_contractions(data)
    for old, new in _PUNCTUATION:
        data = data.replace(old, new)
    return data.decode('ascii').lower().split()


def _split_contractions(data: bytes) -> bytes:
    """Put a space before each ``'s 've n't 're 'd 'll``, as Kim's six rules do.

    Inserting a space never makes or breaks another rule's match, so one walk
    over the apostrophes gives the result of the six ``re.sub`` passes.
    """
    parts = data.split(b"'")
    for i in range(1, len(parts)):
        if parts[i].startswith(_AFTER_APOSTROPHE):
            parts[i - 1] += b' '
        elif parts[i][:1] == b't' and parts[i - 1].endswith(b'n'):
            parts[i - 1] = parts[i - 1][:-1] + b' n'
    return b"'".join(parts)


def clean_str_reference(string: str) -> str:
    """Kim's ``clean_str``, one regex pass per rule, as the tutorial ran it.

    Kept only as the reference that tests and benchmarks compare
    :func:`clean_str` with. It does not remove ``<br />`` tags.
    """
    string = re.sub(r"[^A-Za-z0-9(),!?\'\`]", " ", string)
    string = re.sub(r"\'s", " \'s", string)
    string = re.sub(r"\'ve", " \'ve", string)
    string = re.sub(r"n\'t", " n\'t", string)
    string = re.sub(r"\'re", " \'re", string)
    string = re.sub(r"\'d", " \'d", string)
    string = re.sub(r"\'ll", " \'ll", string)
    string = re.sub(r",", " , ", string)
    string = re.sub(r"!", " ! ", string)
    string = re.sub(r"\(", " \\( ", string)
    string = re.sub(r"\)", " \\) ", string)
    string = re.sub(r"\?", " \\? ", string)
    string = re.sub(r"\s{2,}", " ", string)
    return string.strip().lower()


def token_spans(text: str) -> List[Tuple[int, int]]:
    """Where each token of :func:`tokenize` lies in ``text``, as ``(start, end)`` offsets.

    ``text[start:end].lower()`` is the token, except that the tokens ``\\(``,
    ``\\)`` and ``\\?`` span the one character ``(``, ``)`` or ``?``. Offsets
    count code points of ``text`` (Python indices), so a highlight drawn from
    them falls on the characters the model read, whatever else the text holds.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    list of (int, int)
        One pair per token of ``tokenize(text)``, in order.
    """
    # the characters tokenize keeps, lower-cased, everything else (and <br /> tags) blank:
    # the tokens are then the non-blank characters of this string, in order
    blanked = _BR.sub(lambda match: ' ' * len(match.group()), text) if '<' in text else text
    cleaned = ''.join(c.lower() if c.isascii() and ord(c) in _KEEP else ' ' for c in blanked)
    spans, cursor = [], 0
    for token in tokenize(text):
        surface = token[1:] if token in ('\\(', '\\)', '\\?') else token
        start = cleaned.find(surface, cursor)
        spans.append((start, start + len(surface)))
        cursor = start + len(surface)
    return spans

"""Text cleaning and tokenization: Yoon Kim's ``clean_str`` rules, or the tutorial's variant.

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

The tutorial printed a variant of seventeen passes (``tokenizer='tutorial'``,
``--tokenizer tutorial``; :func:`clean_str_tutorial_reference` is that chain):
Kim's character filter and contraction splits, then ``,`` ``(`` ``)`` and every
apostrophe become spaces, ``!`` and ``?`` (as ``\\?``) stay tokens. So ``don't``
gives ``do n t`` and ``it's`` gives ``it s``. Its fast path is Kim's with the
deleted characters mapped to spaces after the contraction cuts.

Both tokenizers remove ``<br />`` tags first (Kim's chain alone would leave the
token ``br`` for each); :data:`TOKENIZERS` names them, :data:`TOKENIZER_RULES`
describes each (the bundle manifest quotes it).
"""
import re
from typing import List, Tuple

__all__ = ['TOKENIZERS', 'TOKENIZER_RULES', 'check_tokenizer', 'tokenize', 'clean_str',
           'clean_str_reference', 'clean_str_tutorial_reference', 'strip_html_breaks',
           'split_lines', 'replace_surrogates', 'REPLACEMENT', 'token_spans']

#: what an unencodable code point (a lone surrogate) becomes on output
REPLACEMENT = '\ufffd'
#: Values of ``--tokenizer`` (``DataConfig.tokenizer``): Kim's ``clean_str``, the tutorial's variant.
TOKENIZERS = ('kim', 'tutorial')
#: What each tokenizer does, in words (quoted by the bundle manifest).
TOKENIZER_RULES = {
    'kim': ("Kim (2014) clean_str rules (gluon_sentiment.data.text.tokenize): '<br />' tags -> "
            "space; every character outside [A-Za-z0-9(),!?'`] -> space; split off 's 've n't "
            "'re 'd 'll; spaces around , ! and around ( ) ? which become the tokens \\( \\) "
            "\\?; lower-case; split on whitespace"),
    'tutorial': ("the MXNet tutorial's 17-pass variant of Kim's clean_str "
                 "(gluon_sentiment.data.text.tokenize, tokenizer='tutorial'): '<br />' tags -> "
                 "space; every character outside [A-Za-z0-9(),!?'`] -> space; a space before "
                 "'s 've n't 're 'd 'll; , ( ) and every ' -> space (deleted); spaces around ! "
                 "and around ? which becomes the token \\?; lower-case; split on whitespace "
                 "(so don't -> do n t, it's -> it s)"),
}

_BR = re.compile(r'<br\s*/?>', re.IGNORECASE)
_SURROGATE = re.compile('[\ud800-\udfff]')
_KEEP = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789(),!?'`")
_TO_SPACE = bytes(c if c in _KEEP else 0x20 for c in range(256))
_AFTER_APOSTROPHE = (b's', b've', b're', b'd', b'll')  # Kim's 's 've 're 'd 'll; and n't
_PUNCTUATION = {
    'kim': [(b',', b' , '), (b'!', b' ! '), (b'(', b' \\( '), (b')', b' \\) '), (b'?', b' \\? ')],
    # after the contraction cuts: , ( ) ' deleted (rules 8, 10, 11, 14, 15), ! and ? split off
    'tutorial': [(b',', b' '), (b'(', b' '), (b')', b' '), (b"'", b' '), (b'!', b' ! '),
                 (b'?', b' \\? ')],
}


def check_tokenizer(tokenizer: str) -> str:
    """Return ``tokenizer`` if it is one of :data:`TOKENIZERS`.

    Raises
    ------
    ValueError
        For any other name; the message lists the valid ones.
    """
    if tokenizer not in TOKENIZERS:
        raise ValueError(f'unknown tokenizer {tokenizer!r}; choose one of {", ".join(TOKENIZERS)}')
    return tokenizer


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


def clean_str(text: str, tokenizer: str = 'kim') -> str:
    """Clean a string with Kim's (or the tutorial's) rules; the tokens joined by spaces.

    Parameters
    ----------
    text : str
        Any text.
    tokenizer : {'kim', 'tutorial'}, default 'kim'
        One of :data:`TOKENIZERS`.

    Returns
    -------
    str
        Exactly what Kim's ``clean_str`` returns for ``text``; for
        ``'tutorial'``, the tutorial chain's tokens with single spaces (its
        last passes can leave two spaces in a row, which no token holds).
    """
    return ' '.join(tokenize(text, tokenizer))


def tokenize(text: str, tokenizer: str = 'kim') -> List[str]:
    """Split a text into ``clean_str`` tokens, after removing ``<br />`` tags.

    Parameters
    ----------
    text : str
        Any text, including the empty string.
    tokenizer : {'kim', 'tutorial'}, default 'kim'
        Kim's thirteen passes (:func:`clean_str_reference`) or the
        tutorial's seventeen (:func:`clean_str_tutorial_reference`).

    Returns
    -------
    list of str
        Lower-cased tokens; empty for a text without letters, digits or
        kept punctuation.

    Raises
    ------
    ValueError
        For a ``tokenizer`` not in :data:`TOKENIZERS`.
    """
    punctuation = _PUNCTUATION[check_tokenizer(tokenizer)]
    data = strip_html_breaks(text).encode('utf-8', 'surrogatepass').translate(_TO_SPACE)
    if b"'" in data:
        data = _split_contractions(data)
    for old, new in punctuation:
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


def token_spans(text: str, tokenizer: str = 'kim') -> List[Tuple[int, int]]:
    """Where each token of :func:`tokenize` lies in ``text``, as ``(start, end)`` offsets.

    ``text[start:end].lower()`` is the token, except that the tokens ``\\(``,
    ``\\)`` and ``\\?`` span the one character ``(``, ``)`` or ``?``. Offsets
    count code points of ``text`` (Python indices), so a highlight drawn from
    them falls on the characters the model read, whatever else the text holds.

    Parameters
    ----------
    text : str
        Any text.
    tokenizer : str, default 'kim'
        One of :data:`TOKENIZERS`.

    Returns
    -------
    list of (int, int)
        One pair per token of ``tokenize(text, tokenizer)``, in order.
    """
    # the characters tokenize keeps, lower-cased, everything else (and <br /> tags) blank:
    # the tokens are then the non-blank characters of this string, in order
    blanked = _BR.sub(lambda match: ' ' * len(match.group()), text) if '<' in text else text
    cleaned = ''.join(c.lower() if c.isascii() and ord(c) in _KEEP else ' ' for c in blanked)
    spans, cursor = [], 0
    for token in tokenize(text, tokenizer):
        surface = token[1:] if token in ('\\(', '\\)', '\\?') else token
        start = cleaned.find(surface, cursor)
        spans.append((start, start + len(surface)))
        cursor = start + len(surface)
    return spans


def clean_str_tutorial_reference(string: str) -> str:
    """The tutorial's variant of ``clean_str``: its seventeen regex passes, one per rule, in order.

    Kept only as the reference that tests compare ``tokenize(text,
    'tutorial')`` with; its tokens are ``.split()`` of the result (the
    passes after the space collapsing can leave two spaces in a row). It
    does not remove ``<br />`` tags.
    """
    string = re.sub(r"[^A-Za-z0-9(),!?\'\`]", " ", string)  # 1
    string = re.sub(r"\'s", " \'s", string)  # 2
    string = re.sub(r"\'ve", " \'ve", string)  # 3
    string = re.sub(r"n\'t", " n\'t", string)  # 4
    string = re.sub(r"\'re", " \'re", string)  # 5
    string = re.sub(r"\'d", " \'d", string)  # 6
    string = re.sub(r"\'ll", " \'ll", string)  # 7
    string = re.sub(r",", " ", string)  # 8
    string = re.sub(r"!", " ! ", string)  # 9
    string = re.sub(r"\(", " ", string)  # 10
    string = re.sub(r"\)", " ", string)  # 11
    string = re.sub(r"\?", " \\? ", string)  # 12
    string = re.sub(r"\s{2,}", " ", string)  # 13
    string = re.sub(r",", " ", string)  # 14
    string = re.sub(r"'", " ", string)  # 15
    string = re.sub(r"\[", " ", string)  # 16
    string = re.sub(r"\]", " ", string)  # 17
    return string.strip().lower()

"""Pictures of a run: learning curves, confusion matrices and labelled 2-D word maps.

Figures are drawn with matplotlib's object-oriented API onto an Agg canvas
of their own (no display, no pyplot state, and the process's backend is
left alone, a notebook's included) and written atomically as PNG files
through :func:`gluon_sentiment.artifacts.store.atomic_write`.
"""
from typing import Any, Dict, Optional, Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..artifacts.store import atomic_write

__all__ = ['LEARNING_CURVES', 'save_figure', 'plot_learning_curves', 'plot_confusion_matrix',
           'plot_word_map']

#: file name of the learning curves in a run directory
LEARNING_CURVES = 'learning_curves.png'


def save_figure(fig: Figure, path: str, dpi: int = 100) -> None:
    """Write ``fig`` to ``path`` as PNG, atomically."""
    # a Figure made without pyplot prints PNG through Agg, whatever pyplot's backend is
    atomic_write(path, lambda tmp: fig.savefig(tmp, format='png', dpi=dpi))


def plot_learning_curves(history: Sequence[Dict[str, Any]], path: str,
                         title: Optional[str] = None) -> None:
    """Loss and accuracy per epoch, training against validation, side by side.

    Parameters
    ----------
    history : list of dict
        The ``history`` rows of ``metrics.json``: ``epoch``, ``train_loss``,
        ``val_loss``, ``train_accuracy``, ``val_accuracy``.
    path : str
        PNG file to write.
    title : str, optional
        Figure title (default: "Learning curves").
    """
    epochs = [row['epoch'] for row in history]
    fig = Figure(figsize=(11, 4.5))
    for ax, name in zip(fig.subplots(1, 2), ('loss', 'accuracy')):
        for split, style in (('train', 'o-'), ('val', 's--')):
            ax.plot(epochs, [row[f'{split}_{name}'] for row in history], style,
                    label='training' if split == 'train' else 'validation')
        ax.set_xlabel('epoch')
        ax.set_ylabel(name)
        ax.set_title(f'{name} per epoch')
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title or 'Learning curves')
    fig.tight_layout()
    save_figure(fig, path)


def plot_confusion_matrix(matrix: np.ndarray, path: str, class_names: Sequence[str] = (
        'negative', 'positive'), title: str = 'Confusion matrix') -> None:
    """A 2x2 (or k x k) confusion matrix with counts and row percentages.

    Rows are true classes, columns predicted ones (scikit-learn's layout).
    """
    matrix = np.asarray(matrix)
    fig = Figure(figsize=(5.5, 5))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap='Blues')
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    rows = matrix.sum(axis=1, keepdims=True).clip(min=1)
    for (i, j), count in np.ndenumerate(matrix):
        dark = count > matrix.max() / 2
        ax.text(j, i, f'{count}\n{100 * count / rows[i, 0]:.1f}%', ha='center', va='center',
                fontsize=13, color='white' if dark else 'black')
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, labels=list(class_names))
    ax.set_yticks(ticks, labels=list(class_names))
    ax.set_xlabel('predicted')
    ax.set_ylabel('true')
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_word_map(points: np.ndarray, words: Sequence[str], path: str, title: str,
                  colors: Optional[np.ndarray] = None, color_label: str = '',
                  fontsize: int = 9) -> int:
    """A scatter of 2-D word positions, labelled without overlapping labels.

    Words are labelled in the order given (most frequent first): a label that
    would overlap one already drawn is left out, and its point stays as a
    dot, so the picture stays readable at any number of words.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 2)`` positions, e.g. from t-SNE.
    words : list of str
        The ``n`` words, most important first.
    path : str
        PNG file to write.
    title : str
        Figure title: say what is shown.
    colors : numpy.ndarray, optional
        A value in [0, 1] per word, drawn red (0) to green (1) with a colour bar.
    color_label : str
        Caption of the colour bar.
    fontsize : int, default 9
        Label size in points.

    Returns
    -------
    int
        The number of words labelled.
    """
    points = np.asarray(points, dtype=np.float64)
    fig = Figure(figsize=(16, 14))
    ax = fig.subplots()
    if colors is None:
        ax.scatter(points[:, 0], points[:, 1], s=12, color='tab:blue', alpha=0.6)
        text_colors = ['black'] * len(words)
    else:
        cmap = matplotlib.colormaps['RdYlGn']
        scatter = ax.scatter(points[:, 0], points[:, 1], s=16, c=colors, cmap=cmap,
                             vmin=0, vmax=1, edgecolors='grey', linewidths=0.3)
        fig.colorbar(scatter, ax=ax, fraction=0.03, pad=0.01).set_label(color_label)
        text_colors = [_darker(cmap(value)) for value in colors]
    ax.set_title(title, fontsize=14)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    renderer = FigureCanvasAgg(fig).get_renderer()
    placed = []
    for (x, y), word, color in zip(points, words, text_colors):
        text = ax.annotate(word, (x, y), xytext=(3, 3), textcoords='offset points',
                           fontsize=fontsize, color=color)
        box = text.get_window_extent(renderer).expanded(1.05, 1.1)
        if any(box.overlaps(other) for other in placed):
            text.remove()
        else:
            placed.append(box)
    save_figure(fig, path)
    return len(placed)


def _darker(rgba):
    """A darker shade of a colour, so light yellow labels stay legible on white."""
    return tuple(0.55 * channel for channel in rgba[:3])

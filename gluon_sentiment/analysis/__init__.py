"""Analysis: metrics (:mod:`.metrics`), evaluation reports (:mod:`.evaluation`),
explanations (:mod:`.explain`), embedding maps (:mod:`.embedding_map`) and the
pictures they draw (:mod:`.plots`)."""
from .embedding_map import (DEFAULT_PROBES, MapOptions, draw_embedding, load_embedding,
                            model_embedding, most_frequent, nearest_neighbours, tsne_2d,
                            word_sentiment)
from .evaluation import CONFUSION_PNG, REPORT, evaluate_run
from .explain import explain, explain_gradient_input, explain_max_pool, explain_ngrams
from .calibration import (RELIABILITY_PNG, expected_calibration_error, fit_temperature,
                          plot_reliability)
from .metrics import classification_metrics, confident_errors, multiclass_metrics
from .plots import (LEARNING_CURVES, plot_confusion_matrix, plot_learning_curves, plot_word_map,
                    save_figure)

__all__ = ['classification_metrics', 'multiclass_metrics', 'confident_errors',
           'fit_temperature', 'expected_calibration_error', 'plot_reliability', 'RELIABILITY_PNG',
           'evaluate_run', 'REPORT',
           'CONFUSION_PNG', 'explain', 'explain_max_pool', 'explain_ngrams', 'explain_gradient_input',
           'DEFAULT_PROBES', 'model_embedding', 'load_embedding', 'most_frequent', 'tsne_2d',
           'nearest_neighbours', 'word_sentiment', 'draw_embedding', 'MapOptions', 'LEARNING_CURVES',
           'save_figure', 'plot_learning_curves', 'plot_confusion_matrix', 'plot_word_map']

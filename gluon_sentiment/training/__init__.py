"""Training: the configuration (:mod:`.config`), the engine of batch and epoch steps
(:mod:`.engine`), the fit loop (:mod:`.fit`), checkpoints (:mod:`.checkpoint`), signals
(:mod:`.signals`), distributed workers (:mod:`.distributed`) and their launcher
(:mod:`.launcher`), cross-validation (:mod:`.crossval`), the recipes (:mod:`.recipes`), the
presets (:mod:`.presets`), the loss weights and selection (:mod:`.objectives`), calibration
(:mod:`.calibrate`) and training on texts in memory (:mod:`.memory`)."""
from .config import KVSTORES, LR_SCHEDULES, TrainConfig
from .crossval import CV_SUMMARY, run_cross_validation
from .engine import epoch_batches, evaluate, make_contexts, train_epoch
from .build import build_net, load_pretrained, make_trainer
from .fit import resume_training, run_training
from .handlers import Handler, TrainingRun
from .launcher import launch
from .presets import PRESETS
from .memory import train_classifier
from .recipes import BEST_MEMBERS, member_configs, train_best

__all__ = ['TrainConfig', 'KVSTORES', 'LR_SCHEDULES', 'run_training', 'resume_training', 'Handler',
           'TrainingRun', 'build_net', 'load_pretrained', 'make_trainer', 'make_contexts', 'epoch_batches',
           'train_epoch', 'evaluate', 'run_cross_validation', 'CV_SUMMARY', 'launch',
           'train_best', 'member_configs', 'BEST_MEMBERS', 'PRESETS', 'train_classifier']

"""A Hugging Face `TrainerCallback` that logs every split's predictions after each epoch.

    from disobey.huggingface import DisobeyTrainerCallback
    log = disobey.RunLogger("runs/student", name="KD", role="student", teacher="teacher", epochs=int(args.num_train_epochs))
    trainer = Trainer(..., callbacks=[DisobeyTrainerCallback(log, {"train": train_eval_loader, "validation": val_loader})])

transformers is imported when DisobeyTrainerCallback is first used. Each loader yields the model's
input dicts (a DataLoader with the Trainer's data collator; labels are dropped before the forward
pass) in split order, or comes as (loader, keys). Only the main process logs; run.json is cut to
the epochs logged when training ends early.
"""
from .pytorch import log_splits


def _callback_base():
    try:
        from transformers import TrainerCallback
    except ImportError as err:
        raise ImportError("disobey.huggingface.DisobeyTrainerCallback needs transformers: pip install transformers") from err
    return TrainerCallback


class _TrainerHook:
    def __init__(self, logger, splits, forward=None):
        super().__init__()
        self.logger = logger
        self.splits = dict(splits)
        self.forward = forward

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        if not getattr(state, "is_world_process_zero", True):
            return control
        if model is None:
            raise ValueError("DisobeyTrainerCallback: the Trainer passed no model to on_epoch_end")
        log_splits(self.logger, int(round(state.epoch)), model, self.splits, self.forward)
        return control

    def on_train_end(self, args, state, control, **kwargs):
        if getattr(state, "is_world_process_zero", True):
            self.logger.close(truncate=True)
        return control


_built = {}


def __getattr__(name):
    if name == "DisobeyTrainerCallback":
        if name not in _built:
            _built[name] = type("DisobeyTrainerCallback", (_TrainerHook, _callback_base()), {"__module__": __name__, "__doc__": __doc__})
        return _built[name]
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

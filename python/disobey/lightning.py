"""A PyTorch Lightning callback that logs every split's predictions after each training epoch.

    from disobey.lightning import DisobeyCallback
    log = disobey.RunLogger("runs/student", name="KD", role="student", teacher="teacher", epochs=max_epochs)
    trainer = L.Trainer(max_epochs=max_epochs, callbacks=[DisobeyCallback(log, {"train": train_eval_loader, "test": test_loader})])

Lightning (`lightning` or `pytorch_lightning`) is imported when DisobeyCallback is first used, not
when disobey is. Loaders without keys must not shuffle (row i = index i of the split); pass
(loader, keys) otherwise. Only the global-rank-0 process logs. When training ends before the
planned epochs (early stopping), run.json is cut to the epochs logged.
"""
from .pytorch import log_splits


def _callback_base():
    try:
        from lightning.pytorch import Callback
    except ImportError:
        try:
            from pytorch_lightning import Callback
        except ImportError as err:
            raise ImportError("disobey.lightning.DisobeyCallback needs PyTorch Lightning: pip install lightning") from err
    return Callback


class _LightningHook:
    def __init__(self, logger, splits, forward=None):
        super().__init__()
        self.logger = logger
        self.splits = dict(splits)
        self.forward = forward

    def on_train_epoch_end(self, trainer, pl_module):
        if getattr(trainer, "sanity_checking", False) or not getattr(trainer, "is_global_zero", True):
            return
        log_splits(self.logger, int(trainer.current_epoch) + 1, pl_module, self.splits, self.forward)

    def on_fit_end(self, trainer, pl_module):
        if getattr(trainer, "is_global_zero", True):
            self.logger.close(truncate=True)


_built = {}


def __getattr__(name):
    if name == "DisobeyCallback":
        if name not in _built:
            _built[name] = type("DisobeyCallback", (_LightningHook, _callback_base()), {"__module__": __name__, "__doc__": __doc__})
        return _built[name]
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

"""Running a model over each split after an epoch and logging its outputs: the shared part of the
training-loop hooks (plain PyTorch, Lightning, Hugging Face). torch is never imported here: a
torch model brings it, and a test's numpy model needs none.
"""
import contextlib
import sys

import numpy as np

from .logger import _to_numpy


def predict(model, loader, values="probs", forward=None):
    """The model's outputs over `loader`, float64 [n, C] in loader order: softmax probabilities, or logits.

    forward(model, batch) -> [b, C] logits; the default takes batch[0] of a tuple or list, or a
    dict's tensors except labels (Hugging Face batches), moved to the model's device, and the
    output's `.logits` where it has one. The model is put in eval mode and back.
    """
    torch = sys.modules.get("torch")
    no_grad = torch.no_grad() if torch is not None else contextlib.nullcontext()
    training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()
    outputs = []
    try:
        with no_grad:
            for batch in loader:
                out = forward(model, batch) if forward is not None else _default_forward(model, batch)
                outputs.append(np.asarray(_to_numpy(out), dtype=np.float64))
    finally:
        if training is not None and hasattr(model, "train"):
            model.train(training)
    if not outputs:
        raise ValueError("the loader yielded no batches")
    z = np.concatenate(outputs)
    if values == "logits":
        return z
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _default_forward(model, batch):
    device = None
    parameters = getattr(model, "parameters", None)
    if callable(parameters):
        first = next(iter(parameters()), None)
        device = getattr(first, "device", None)
    move = (lambda t: t.to(device)) if device is not None else (lambda t: t)
    if isinstance(batch, dict):
        inputs = {k: move(v) if hasattr(v, "to") else v for k, v in batch.items() if k not in ("labels", "label", "label_ids")}
        out = model(**inputs)
    elif isinstance(batch, (tuple, list)):
        x = batch[0]
        out = model(move(x) if hasattr(x, "to") else x)
    else:
        out = model(move(batch) if hasattr(batch, "to") else batch)
    if hasattr(out, "logits"):
        return out.logits
    if isinstance(out, (tuple, list)):
        return out[0]
    return out


def log_splits(logger, epoch, model, splits, forward=None):
    """Predicts each split and logs it: splits = {"train": loader, "test": (loader, keys), ...}.

    A loader without keys must visit its dataset in order (no shuffling): row i is then index i of
    the split (key "index", as `disobey import` numbers examples).
    """
    for split, spec in splits.items():
        loader, keys = spec if isinstance(spec, tuple) else (spec, None)
        if keys is None:
            sampler = getattr(loader, "sampler", None)
            if sampler is not None and type(sampler).__name__ != "SequentialSampler":
                raise ValueError("the loader of split %s draws its examples with %s: pass (loader, keys), or a loader with shuffle=False, "
                                 "so that row i is example i" % (split, type(sampler).__name__))
        outputs = predict(model, loader, values=logger.values, forward=forward)
        logger.log(epoch, outputs, np.arange(len(outputs)) if keys is None else keys, split=split)

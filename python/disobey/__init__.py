"""Disobey from Python: log a training run's per-epoch predictions for `disobey ingest`, read a
Disobey database into numpy and pandas, and show the explorer in a notebook.

    import disobey
    log = disobey.RunLogger("runs/student", name="KD", role="student", teacher="teacher", epochs=10)
    log.log(epoch, probs, keys=range(len(train_set)), split="train")

    db = disobey.connect("disobey.db")
    db.per_example(experiment_id=3)          # the columns and values of `disobey report --examples`
    disobey.show("disobey.db", experiment_id=3)

numpy is the only requirement; pandas (DataFrames), pyarrow (Parquet files), IPython (show),
PyTorch Lightning and Hugging Face transformers (their callbacks) are imported only when used.
"""
from .logger import PROB_SUM_TOLERANCE, RunLogger
from .notebook import show, stop
from .reader import Database, connect

__version__ = "0.1.0"
__all__ = ["RunLogger", "connect", "Database", "show", "stop", "PROB_SUM_TOLERANCE", "__version__"]

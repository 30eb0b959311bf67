"""Decoding a run-epoch's stored probabilities as docs/database.md describes them.

`prediction_matrices` holds each run-epoch as chunks of consecutive example ids (little-endian
Int32 ids, or none when the chunk holds every id from first_id to last_id; Float32 probabilities,
or float16 where the experiment chose `storage: 'float16'`); a run ingested with top-k storage keeps
k values per row plus its label's, completed here exactly as the app does
(main/store/matrixChunks.ts denseRows: the unknown mass spread evenly, in float32). A database
from before prediction_matrices existed (and before schema 8) has only `predictions` rows, one
BLOB per example.
"""
import numpy as np


def read_matrix(con, run_id, epoch):
    """(example_ids int32 ascending, probs float32 [n, C]) of one run-epoch, or None when nothing is stored."""
    chunks = con.execute(
        "SELECT " + chunk_columns(con) + " FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk", (run_id, epoch)).fetchall()
    if chunks:
        ids = np.concatenate([chunk_ids(c) for c in chunks]).astype(np.int32)
        probs = np.concatenate([_dense_rows(c) for c in chunks])
        return ids, probs
    if not has_rows_table(con):
        return None
    rows = con.execute("SELECT example_id, probs FROM predictions WHERE run_id = ? AND epoch = ? ORDER BY example_id", (run_id, epoch)).fetchall()
    if not rows:
        return None
    ids = np.array([r[0] for r in rows], dtype=np.int32)
    probs = np.stack([np.frombuffer(r[1], "<f4") for r in rows]).astype(np.float32)
    return ids, probs


def _precision_column(con):
    columns = [r[1] for r in con.execute("PRAGMA table_info(prediction_matrices)")]
    return "precision" if "precision" in columns else "'float32'"


CHUNK_COLUMNS = "num_classes, example_ids, probs, top_k, top_classes, label_classes, label_probs, first_id, last_id, "


def chunk_columns(con):
    """The columns _dense_rows and chunk_ids read (`precision` from schema 8 on; float32 before)."""
    return CHUNK_COLUMNS + _precision_column(con)


def has_rows_table(con):
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'predictions'").fetchone() is not None


def chunk_ids(chunk):
    """A chunk's example ids: stored, or first_id … last_id when none are (schema 8, no gap)."""
    id_blob, first, last = chunk[1], chunk[7], chunk[8]
    if len(id_blob) or first is None:
        return np.frombuffer(id_blob, "<i4")
    return np.arange(first, last + 1, dtype=np.int32)


def _values(blob, precision):
    return np.frombuffer(blob, "<f2" if precision == "float16" else "<f4").astype(np.float32)


def _dense_rows(chunk):
    num_classes, _, prob_blob, k, top_blob, label_class_blob, label_prob_blob = chunk[:7]
    precision = chunk[9]
    n = len(chunk_ids(chunk))
    if k is None:
        return _values(prob_blob, precision).reshape(n, num_classes)
    top_probs = _values(prob_blob, precision).reshape(n, k)
    top_classes = np.frombuffer(top_blob, "<i4").reshape(n, k)
    label_classes = np.frombuffer(label_class_blob, "<i4")
    label_probs = _values(label_prob_blob, precision)
    rows = np.arange(n)
    out = np.full((n, num_classes), np.nan, dtype=np.float32)
    mass = np.zeros(n)
    known = np.zeros(n)
    for j in range(k):
        out[rows, top_classes[:, j]] = top_probs[:, j]
        mass += top_probs[:, j].astype(np.float64)
        known += 1
    label_unknown = np.isnan(out[rows, label_classes])
    out[rows[label_unknown], label_classes[label_unknown]] = label_probs[label_unknown]
    mass += np.where(label_unknown, label_probs.astype(np.float64), 0.0)
    known += label_unknown
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(known < num_classes, np.maximum(0.0, 1.0 - mass) / (num_classes - known), 0.0)
    fill = np.broadcast_to(share.astype(np.float32)[:, None], out.shape)
    return np.where(np.isnan(out), fill, out)


def aligned(matrix, dataset_ids):
    """A matrix's rows laid over the dataset's ids (ascending) as float64; rows it lacks are NaN."""
    ids, probs = matrix
    n = len(dataset_ids)
    if len(ids) == n and np.array_equal(ids, dataset_ids):
        return probs.astype(np.float64)
    out = np.full((n, probs.shape[1]), np.nan)
    at = np.searchsorted(dataset_ids, ids)
    inside = at < n
    inside[inside] = dataset_ids[at[inside]] == ids[inside]
    out[at[inside]] = probs[inside]
    return out

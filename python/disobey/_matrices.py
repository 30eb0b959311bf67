"""Decoding a run-epoch's stored probabilities as docs/database.md describes them.

`prediction_matrices` holds each run-epoch as chunks of consecutive example ids (little-endian
Int32 ids, Float32 probabilities); a run ingested with top-k storage keeps k values per row plus
its label's, completed here exactly as the app does (main/store/matrixChunks.ts denseRows: the
unknown mass spread evenly, in float32). A database from before prediction_matrices existed has
only `predictions` rows, one BLOB per example.
"""
import numpy as np


def read_matrix(con, run_id, epoch):
    """(example_ids int32 ascending, probs float32 [n, C]) of one run-epoch, or None when nothing is stored."""
    chunks = con.execute(
        "SELECT num_classes, example_ids, probs, top_k, top_classes, label_classes, label_probs "
        "FROM prediction_matrices WHERE run_id = ? AND epoch = ? ORDER BY chunk", (run_id, epoch)).fetchall()
    if chunks:
        ids = np.concatenate([np.frombuffer(c[1], "<i4") for c in chunks]).astype(np.int32)
        probs = np.concatenate([_dense_rows(c) for c in chunks])
        return ids, probs
    rows = con.execute("SELECT example_id, probs FROM predictions WHERE run_id = ? AND epoch = ? ORDER BY example_id", (run_id, epoch)).fetchall()
    if not rows:
        return None
    ids = np.array([r[0] for r in rows], dtype=np.int32)
    probs = np.stack([np.frombuffer(r[1], "<f4") for r in rows]).astype(np.float32)
    return ids, probs


def _dense_rows(chunk):
    num_classes, id_blob, prob_blob, k, top_blob, label_class_blob, label_prob_blob = chunk
    n = len(id_blob) // 4
    if k is None:
        return np.frombuffer(prob_blob, "<f4").reshape(n, num_classes).astype(np.float32)
    top_probs = np.frombuffer(prob_blob, "<f4").reshape(n, k)
    top_classes = np.frombuffer(top_blob, "<i4").reshape(n, k)
    label_classes = np.frombuffer(label_class_blob, "<i4")
    label_probs = np.frombuffer(label_prob_blob, "<f4")
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

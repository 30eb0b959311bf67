"""Every example's measures for one student against its teacher, as `disobey report --examples` writes them.

A port of the app's analysis frame (main/analytics/analysisFrame.ts) over numpy, following
docs/metrics.md: the same inputs (the student at the epoch read, its teacher at its last epoch,
rows in ascending example id, NaN where a run lacks an example), the same formulas, and sums in the
same order (class by class, epoch by epoch, example by example), so the numbers agree with the
app's to the last few bits; only the logarithm's implementation may differ in the last one.
"""
import numpy as np

from ._matrices import aligned, read_matrix

FLOOR = 1e-12

#: the measure columns, in the CSV's order (shared/analytics.ts ExampleMeasure)
MEASURES = (
    "teacherProb", "studentProb", "teacherPhi", "studentPhi", "deviation", "kl",
    "teacherMargin", "studentMargin", "teacherEntropy", "studentEntropy",
    "teacherLabelProb", "studentLabelProb", "teacherLabelProbMean", "teacherLabelProbStd",
    "studentLabelProbMean", "studentLabelProbStd", "gradNormOnehot", "gradNormKd",
    "gradCosOnehot", "gradCosKd", "tv", "top1Disagree", "studentTopRankInTeacher",
    "klMean", "klStd", "deviationMean", "deviationStd", "flips", "misfitSeeds",
)
COLUMNS = ("student_run_id", "example_id", "split", "idx", "label", "train_label", "k") + MEASURES + ("teacher_correct", "student_correct")


class Probabilities:
    """Aligned run-epoch matrices of one dataset, read once each."""

    def __init__(self, con, dataset_ids):
        self._con = con
        self._ids = dataset_ids
        self._cache = {}

    def get(self, run_id, epoch):
        key = (run_id, epoch)
        if key not in self._cache:
            matrix = read_matrix(self._con, run_id, epoch)
            if matrix is None:
                raise LookupError("run %d has no predictions recorded for epoch %d" % (run_id, epoch))
            self._cache[key] = aligned(matrix, self._ids)
        return self._cache[key]

    def forget(self, run_id, epoch):
        self._cache.pop((run_id, epoch), None)


def argmax_rows(P):
    """Top class per row, ties to the lowest class (NaN rows: 0, as the app's argmax)."""
    return np.argmax(np.where(np.isnan(P), -np.inf, P), axis=1)


def phi(P, k):
    """M1 φ(p_k) = ln max(p_k, floor) − ln max(Σ_{c≠k} p_c, floor), the other classes summed in class order."""
    n, C = P.shape
    others = np.zeros(n)
    for c in range(C):
        others += np.where(k != c, P[:, c], 0.0)
    pk = P[np.arange(n), k]
    return np.log(np.maximum(pk, FLOOR)) - np.log(np.maximum(others, FLOOR))


def kl_rows(T, S):
    """KL(p^T ‖ p^S) per row: Σ_{c: p^T_c > 0} p^T_c ln(p^T_c / max(p^S_c, floor)), in class order."""
    kl = np.zeros(T.shape[0])
    for c in range(T.shape[1]):
        p = T[:, c]
        positive = p > 0
        kl += np.where(positive, p * np.log(np.where(positive, p, 1.0) / np.maximum(S[:, c], FLOOR)), 0.0)
    return kl


def margin_entropy(P):
    first = np.full(P.shape[0], -np.inf)
    second = np.full(P.shape[0], -np.inf)
    h = np.zeros(P.shape[0])
    for c in range(P.shape[1]):
        p = P[:, c]
        above_first = p > first
        second = np.where(above_first, first, np.where(p > second, p, second))
        first = np.where(above_first, p, first)
        positive = p > 0
        h = h - np.where(positive, p * np.log(np.where(positive, p, 1.0)), 0.0)
    return first - second, h


def label_prob_stats(probs, run_id, epochs, rows, y):
    """Mean and population std of p(training label) over epochs 1..epochs (running sums in epoch order)."""
    total = np.zeros(len(y))
    total_sq = np.zeros(len(y))
    for e in range(1, epochs + 1):
        P = probs.get(run_id, e)
        p = P[rows, y]
        total += p
        total_sq += p * p
        if e != epochs:
            probs.forget(run_id, e)
    mean = total / epochs
    return mean, np.sqrt(np.maximum(0.0, total_sq / epochs - mean * mean))


def gradients(T, S, y, split_code, num_splits):
    """Experiment 7: ‖g‖ and the cosine to the mean g of the same split and training label, for g = p^S − e_y and p^S − p^T."""
    n, C = S.shape
    rows = np.arange(n)
    onehot = np.zeros((n, C))
    onehot[rows, y] = 1.0
    g1 = S - onehot
    g2 = S - T
    valid = np.isfinite(S[:, 0]) & np.isfinite(T[:, 0])
    group = split_code * C + y
    groups = num_splits * C
    sum1 = np.zeros((groups, C))
    sum2 = np.zeros((groups, C))
    for c in range(C):
        # bincount adds in row order, as the app's loop does
        sum1[:, c] = np.bincount(group[valid], weights=g1[valid, c], minlength=groups)
        sum2[:, c] = np.bincount(group[valid], weights=g2[valid, c], minlength=groups)
    m1s, m2s = sum1[group], sum2[group]
    n1 = np.zeros(n)
    n2 = np.zeros(n)
    d1 = np.zeros(n)
    d2 = np.zeros(n)
    m1 = np.zeros(n)
    m2 = np.zeros(n)
    for c in range(C):
        n1 += g1[:, c] * g1[:, c]
        n2 += g2[:, c] * g2[:, c]
        d1 += g1[:, c] * m1s[:, c]
        d2 += g2[:, c] * m2s[:, c]
        m1 += m1s[:, c] * m1s[:, c]
        m2 += m2s[:, c] * m2s[:, c]
    with np.errstate(divide="ignore", invalid="ignore"):
        cos1 = np.where((n1 > 0) & (m1 > 0), d1 / np.sqrt(n1 * m1), np.nan)
        cos2 = np.where((n2 > 0) & (m2 > 0), d2 / np.sqrt(n2 * m2), np.nan)
    return np.sqrt(n1), np.sqrt(n2), cos1, cos2


def dynamics(probs, student_run_id, epochs, T, a, k, y):
    """KL_e and d_e = φ(p^S_e,k) − a over the student's epochs 1..E (Welford), and top-class flips; NaN where an epoch lacks the row.

    The same pass sums the student's p(training label) for its mean and std (as label_prob_stats).
    """
    n = T.shape[0]
    rows = np.arange(n)
    total = np.zeros(n)
    total_sq = np.zeros(n)
    kl_mean = np.zeros(n)
    kl_m2 = np.zeros(n)
    dev_mean = np.zeros(n)
    dev_m2 = np.zeros(n)
    flips = np.zeros(n)
    last_top = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    teacher_ok = np.isfinite(T[:, 0])
    for e in range(1, epochs + 1):
        P = probs.get(student_run_id, e)
        kl = kl_rows(T, P)
        d = phi(P, k) - a
        top = argmax_rows(P)
        p = P[rows, y]
        total += p
        total_sq += p * p
        missing |= ~(np.isfinite(P[:, 0]) & teacher_ok)
        delta = kl - kl_mean
        kl_mean += delta / e
        kl_m2 += delta * (kl - kl_mean)
        delta = d - dev_mean
        dev_mean += delta / e
        dev_m2 += delta * (d - dev_mean)
        if e > 1:
            flips += top != last_top
        last_top = top
        if e != epochs:
            probs.forget(student_run_id, e)
    out = {
        "klMean": kl_mean,
        "klStd": np.sqrt(np.maximum(0.0, kl_m2 / epochs)),
        "deviationMean": dev_mean,
        "deviationStd": np.sqrt(np.maximum(0.0, dev_m2 / epochs)),
        "flips": flips,
    }
    for v in out.values():
        v[missing] = np.nan
    mean = total / epochs
    out["studentLabelProbMean"] = mean
    out["studentLabelProbStd"] = np.sqrt(np.maximum(0.0, total_sq / epochs - mean * mean))
    return out


def student_measures(probs, dataset, student, teacher, epoch, class_choice, replicate_students):
    """Every measure column (and the class k, the top classes) of one analysed pair over the dataset's rows."""
    y = dataset["train_label"]
    n = len(y)
    rows = np.arange(n)
    T = probs.get(teacher["id"], teacher["epochs_done"])
    S = probs.get(student["id"], epoch)
    C = T.shape[1]
    if S.shape[1] != C:
        raise ValueError("run %d records %d classes, its teacher %d" % (student["id"], S.shape[1], C))
    teacher_top = argmax_rows(T)
    student_top = argmax_rows(S)
    k = y if class_choice == "label" else teacher_top
    both = np.isfinite(T[:, 0]) & np.isfinite(S[:, 0])
    with np.errstate(all="ignore"):
        a = phi(T, k)
        b = phi(S, k)
        t_margin, t_entropy = margin_entropy(T)
        s_margin, s_entropy = margin_entropy(S)
        t_mean, t_std = label_prob_stats(probs, teacher["id"], teacher["epochs_done"], rows, y)
        norm1, norm2, cos1, cos2 = gradients(T, S, y, dataset["split_code"], len(dataset["split_names"]))
        tv = np.zeros(n)
        for c in range(C):
            tv += np.abs(T[:, c] - S[:, c])
        ps = T[rows, student_top]
        rank = np.ones(n)
        for c in range(C):
            rank += (T[:, c] > ps) | ((T[:, c] == ps) & (c < student_top))
        dyn = dynamics(probs, student["id"], epoch, T, a, k, y)
        misfit = (student_top != y).astype(np.float64)
        for r in replicate_students:
            P = probs.get(r["id"], min(epoch, r["epochs_done"]))
            top = np.where(np.isfinite(P[:, 0]), argmax_rows(P), -1)
            misfit += (top != -1) & (top != y)
        misfit[~np.isfinite(S[:, 0])] = np.nan
        columns = {
            "teacherProb": T[rows, k],
            "studentProb": S[rows, k],
            "teacherPhi": a,
            "studentPhi": b,
            "deviation": b - a,
            "kl": kl_rows(T, S),
            "teacherMargin": t_margin,
            "studentMargin": s_margin,
            "teacherEntropy": t_entropy,
            "studentEntropy": s_entropy,
            "teacherLabelProb": T[rows, y],
            "studentLabelProb": S[rows, y],
            "teacherLabelProbMean": t_mean,
            "teacherLabelProbStd": t_std,
            "gradNormOnehot": norm1,
            "gradNormKd": norm2,
            "gradCosOnehot": cos1,
            "gradCosKd": cos2,
            "tv": tv / 2,
            "top1Disagree": np.where(both, (teacher_top != student_top).astype(np.float64), np.nan),
            "studentTopRankInTeacher": np.where(both, rank, np.nan),
            "misfitSeeds": misfit,
            **dyn,
        }
        columns = {name: columns[name] for name in MEASURES}
    # The app reports what is not a finite number as an empty cell.
    for name, column in columns.items():
        columns[name] = np.where(np.isfinite(column), column, np.nan)
    return {"k": k, "both": both, "teacher_top": teacher_top, "student_top": student_top, "columns": columns}

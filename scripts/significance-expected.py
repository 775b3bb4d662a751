"""Expected values for the significance statistics of issue 12, computed independently.

Usage: python3 scripts/significance-expected.py > test/fixtures/significance-expected.json
(scipy 1.17.1, numpy 2.4.6 produced the committed file.)

Independent of the TypeScript: scipy for the distributions, the regression and the
ranks; numpy for kappa and the percentiles; Arena-Hard's notebook code (lmarena/
arena-hard-auto notebook/benchmark_statistics.ipynb at bd52a78) and FastChat's
recompute_final_ranking (lm-sys/FastChat fastchat/serve/monitor/monitor.py at 009d7d55)
copied in below for separability, agreement with confidence, strict agreement, the
pair-rank Brier score and the tiers. The bootstrap cases replay the harness's seeded
generator (harness/stats/rng.ts, ported here bit for bit and checked by its first draws),
so both sides resample the same items.
"""
import csv
import json
import math
import random
from itertools import combinations
from math import comb

import numpy as np
import scipy
from scipy import special, stats

M32 = 0xFFFFFFFF


# ---- harness/stats/rng.ts, ported ----
def splitmix32(seed):
    z = (seed + 0x9E3779B9) & M32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
    return (z ^ (z >> 16)) & M32


def create_rng(seed):
    state = [splitmix32(seed & M32)]

    def rng():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return rng


def draws(rng, n):
    """One replicate's indices, as bootstrapUnits and bootstrapItemMeans draw them."""
    return [math.floor(rng() * n) for _ in range(n)]


def interval(replicates, level=0.95):
    """percentileInterval: numpy's linear percentiles of the finite replicates, None if most are not."""
    defined = [v for v in replicates if math.isfinite(v)]
    if not defined or len(defined) * 2 < len(replicates):
        return None
    a = (1 - level) / 2
    return [float(np.quantile(defined, a)), float(np.quantile(defined, 1 - a))]


def fin(v):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)


out = {"scipy": scipy.__version__, "numpy": np.__version__}
gen = random.Random(12)

# ---- the generator's first draws ----
out["rng"] = [{"seed": s, "draws": [r() for r in [create_rng(s)] for _ in range(8)]} for s in (0, 9, 42, 4294967295)]

# ---- distributions ----
zs = [-12, -8.3, -5, -3.1, -2.5, -1.959963984540054, -1, -0.3, 0, 0.2, 1, 1.5, 2.49, 2.5, 2.51, 3.7, 6, 9]
out["normal"] = {
    "cdf": [[z, float(stats.norm.cdf(z))] for z in zs],
    "erfc": [[x, float(special.erfc(x))] for x in [-3, -0.5, 0, 0.1, 1, 2, 2.4999, 2.5, 3, 4.5, 7, 12, 26]],
    "quantile": [[p, float(stats.norm.ppf(p))] for p in [1e-10, 0.001, 0.025, 0.1, 0.5, 0.8, 0.975, 0.995, 1 - 1e-9]],
    "chi2sf1": [[x, float(stats.chi2.sf(x, 1))] for x in [0.001, 0.25, 1, 3.841458820694124, 6, 10.5, 30, 80]],
    "binomcdf": [
        [k, n, p, float(stats.binom.cdf(k, n, p))]
        for k, n, p in [(0, 1, 0.5), (0, 5, 0.5), (2, 9, 0.5), (4, 8, 0.5), (40, 95, 0.5), (120, 270, 0.5), (700, 1500, 0.5), (3, 10, 0.3), (8, 10, 0.3)]
    ],
}


# ---- score and rank intervals (shared item resamples) ----
def score_case(name, values, valid, resamples, seed):
    values = np.array(values, dtype=float)
    valid = np.array(valid, dtype=bool)
    models, items = values.shape
    rng = create_rng(seed)
    reps = np.full((resamples, models), np.nan)
    rank_reps = np.full((resamples, models), np.nan)
    for r in range(resamples):
        idx = draws(rng, items)
        v = values[:, idx]
        w = valid[:, idx]
        s = np.where(w, v, 0).sum(axis=1)
        c = w.sum(axis=1)
        means = np.where(c > 0, s / np.where(c > 0, c, 1), np.nan)
        reps[r] = means
        ok = np.isfinite(means)
        rank_reps[r, ok] = stats.rankdata(-means[ok], method="average")
    point = np.array([values[m, valid[m]].mean() if valid[m].any() else np.nan for m in range(models)])
    ranks = np.full(models, np.nan)
    ok = np.isfinite(point)
    ranks[ok] = stats.rankdata(-point[ok], method="average")
    rows = []
    for m in range(models):
        col = reps[:, m]
        d = col[np.isfinite(col)]
        rows.append({
            "score": fin(point[m]),
            "n": int(valid[m].sum()),
            "ci95": interval(list(col)),
            "rank": fin(ranks[m]),
            "rankCi95": interval(list(rank_reps[:, m])),
            "replicateMean": fin(d.mean()) if len(d) else None,
            "replicateVariance": fin(np.var(d)) if len(d) else None,
        })
    return {"name": name, "values": values.tolist(), "valid": valid.astype(int).tolist(),
            "resamples": resamples, "seed": seed, "models": rows}


score_cases = []
# integer ratings: sums are exact on both sides, so tied means tie on both sides too
models, items = 7, 30
vals = [[min(10, max(1, round(4 + 0.5 * m + gen.gauss(0, 2)))) for _ in range(items)] for m in range(models)]
vals[3] = list(vals[2])  # two models with the same ratings: tied in every replicate
val = [[1 if gen.random() > 0.1 else 0 for _ in range(items)] for _ in range(models)]
val[3] = list(val[2])
val[6] = [1 if i < 2 else 0 for i in range(items)]  # only two valid items: often undefined
score_cases.append(score_case("integer ratings, ties, missing cells", vals, val, 300, 11))
vals = [[gen.gauss(m * 0.2, 1) for _ in range(25)] for m in range(5)]
val = [[1] * 25 for _ in range(5)]
val[4] = [0] * 25  # a model with no valid item
score_cases.append(score_case("continuous scores, a model without items", vals, val, 200, 3))
out["scoreIntervals"] = score_cases


# ---- tiers: FastChat's recompute_final_ranking (vectorised form) ----
def fastchat_rank_ub(lower, upper):
    sorted_q025 = np.sort(lower)
    insertion_indices = np.searchsorted(sorted_q025, upper, side="right")
    counts = len(sorted_q025) - insertion_indices
    return (1 + counts).tolist()


tier_cases = []
for c in score_cases:
    ivs = [m["ci95"] for m in c["models"] if m["ci95"] is not None]
    tier_cases.append({"name": c["name"], "intervals": ivs,
                       "ranks": fastchat_rank_ub(np.array([i[0] for i in ivs]), np.array([i[1] for i in ivs]))})
touching = [[0, 1], [1, 2], [1, 3], [2.5, 4], [5, 6], [5, 6], [0.5, 0.5]]
tier_cases.append({"name": "touching and equal bounds", "intervals": touching,
                   "ranks": fastchat_rank_ub(np.array([i[0] for i in touching]), np.array([i[1] for i in touching]))})
out["tiers"] = tier_cases


# ---- separability: the notebook's get_unique_overlapping_interval_pairs ----
def get_unique_overlapping_interval_pairs(intervals):
    intervals = [list(i) for i in intervals]
    intervals.sort(key=lambda x: x[0])
    overlapping_pairs = []
    for i in range(len(intervals)):
        for j in range(i + 1, len(intervals)):
            if intervals[j][0] < intervals[i][1]:
                if (intervals[i], intervals[j]) not in overlapping_pairs and (intervals[j], intervals[i]) not in overlapping_pairs:
                    overlapping_pairs.append((intervals[i], intervals[j]))
            else:
                break
    return len(overlapping_pairs), comb(len(intervals), 2)


sep_cases = []
for name, ivs in [
    ("score case intervals", tier_cases[0]["intervals"]),
    ("continuous case intervals", tier_cases[1]["intervals"]),
    ("touching bounds are disjoint", [[0, 1], [1, 2], [2, 3], [2.5, 4], [10, 11]]),
    ("twenty random intervals", [[x, x + gen.uniform(0.2, 3)] for x in [gen.uniform(0, 20) for _ in range(20)]]),
]:
    overlap, total = get_unique_overlapping_interval_pairs(ivs)
    # every model pair once: upstream's list of interval values counts a pair of the same
    # two intervals once only, so it differs where two models have identical intervals
    plain = sum(1 for a, b in combinations(ivs, 2) if a[0] < b[1] and b[0] < a[1])
    distinct = len({tuple(i) for i in ivs}) == len(ivs)
    assert not distinct or plain == overlap, name
    sep_cases.append({"name": name, "intervals": ivs, "value": 1 - plain / total, "pairs": total,
                      "notebookValue": 1 - overlap / total})
out["separability"] = sep_cases


# ---- agreement with a reference: AlpacaEval 2 (weighted_alpaca_eval_gpt4_turbo) as reference ----
def read_ae2(limit):
    path = "../shared/data/alpaca_eval/src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv"
    with open(path) as f:
        rows = list(csv.DictReader(f))
    rows = [r for r in rows if r["standard_error"] not in ("", "nan")]
    rows = rows[::max(1, len(rows) // limit)][:limit]
    return [(r[""], float(r["win_rate"]), float(r["standard_error"])) for r in rows]


def get_overlap(a, b):
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def agreement_with_confidence(judge_iv, ref_iv, models):
    count = 0
    total = 0
    for model_a, model_b in combinations(models, 2):
        score_a = judge_iv[model_a]
        score_b = judge_iv[model_b]
        elo_a = ref_iv[model_a]
        elo_b = ref_iv[model_b]
        if get_overlap(elo_a, elo_b) > 0:
            continue
        total += 1
        if get_overlap(score_a, score_b) > 0:
            count += 0.5
            continue
        if score_a < score_b and elo_a < elo_b:
            count += 1
        elif score_a > score_b and elo_a > elo_b:
            count += 1
    return count, total


def strict(judge, ref, models):
    count = 0
    for a, b in combinations(models, 2):
        if judge[a] < judge[b] and ref[a] < ref[b]:
            count += 1
        elif judge[a] > judge[b] and ref[a] > ref[b]:
            count += 1
    return count / comb(len(models), 2)


def brier(mean, var, ref, models):
    records = []
    for a, b in combinations(sorted(models), 2):
        p = stats.norm(loc=mean[a] - mean[b], scale=np.sqrt(var[a] + var[b])).cdf(0)
        label = int(ref[a] < ref[b])
        records.append((label, p))
    return float(np.mean([(l - p) ** 2 for l, p in records])), len(records)


ref_cases = []
z = float(stats.norm.ppf(0.975))
for name, limit, noise in [("AE2 reference, 16 models, a close judge", 16, 3.0), ("AE2 reference, 30 models, a noisy judge", 30, 12.0)]:
    ref_rows = read_ae2(limit)
    names = [r[0] for r in ref_rows]
    refv = {r[0]: r[1] for r in ref_rows}
    rse = {r[0]: r[2] for r in ref_rows}
    if limit == 16:  # a reference tie, where the pair order matters for Brier
        refv[names[5]] = refv[names[4]]
    ref_iv = {m: (refv[m] - z * rse[m], refv[m] + z * rse[m]) for m in names}
    score = {m: refv[m] / 10 + gen.gauss(0, noise / 10) for m in names}
    half = {m: gen.uniform(0.2, 1.5) for m in names}
    judge_iv = {m: (score[m] - half[m], score[m] + half[m] * gen.uniform(0.7, 1.3)) for m in names}
    mean = {m: score[m] + gen.gauss(0, 0.05) for m in names}
    var = {m: (half[m] / 1.96) ** 2 for m in names}
    count, total = agreement_with_confidence(judge_iv, ref_iv, names)
    b, pairs = brier(mean, var, refv, names)
    ref_cases.append({
        "name": name,
        "models": [{"name": m, "reference": refv[m], "standardError": rse[m], "referenceInterval": list(ref_iv[m]),
                    "score": score[m], "interval": list(judge_iv[m]), "mean": mean[m], "variance": var[m]} for m in names],
        "agreementWithConfidence": count / total, "agreementPairs": total,
        "strict": strict(score, refv, names),
        "brier": b, "brierPairs": pairs,
    })
out["referenceAgreement"] = ref_cases


# ---- Cohen's kappa (scikit-learn's cohen_kappa_score formula) and its bootstrap ----
def kappa_of(a, b):
    labels = sorted(set(a) | set(b))
    ix = {l: i for i, l in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)))
    for x, y in zip(a, b):
        cm[ix[x], ix[y]] += 1
    n_classes = cm.shape[0]
    sum0 = np.sum(cm, axis=0)
    sum1 = np.sum(cm, axis=1)
    expected = np.outer(sum0, sum1) / np.sum(sum0)
    w_mat = np.ones([n_classes, n_classes], dtype=int)
    w_mat.flat[:: n_classes + 1] = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.sum(w_mat * cm) / np.sum(w_mat * expected)
    return float(1 - k)


def kappa_case(name, a, b, resamples, seed):
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    xa = [p[0] for p in pairs]
    xb = [p[1] for p in pairs]
    value = kappa_of(xa, xb)
    n = len(pairs)
    po = sum(1 for x, y in pairs if x == y) / n
    pe = sum((xa.count(l) / n) * (xb.count(l) / n) for l in set(xa) | set(xb))
    rng = create_rng(seed)
    reps = []
    for _ in range(resamples):
        idx = draws(rng, n)
        reps.append(kappa_of([xa[i] for i in idx], [xb[i] for i in idx]))
    return {"name": name, "first": a, "second": b, "resamples": resamples, "seed": seed,
            "value": fin(value), "n": n, "observed": po, "expected": pe,
            "ci95": interval(reps) if math.isfinite(value) else None}


verdicts = ["first", "second", "tie"]
human = [gen.choice(verdicts) for _ in range(120)]
judge = [h if gen.random() < 0.6 else gen.choice(verdicts) for h in human]
judge[3] = None
judge[50] = None
human[7] = None
kappa_cases = [kappa_case("3-way verdicts with missing ones", human, judge, 400, 5)]
a = [gen.random() < 0.55 for _ in range(90)]
b = [x if gen.random() < 0.7 else not x for x in a]
kappa_cases.append(kappa_case("binary correct/wrong", a, b, 300, 8))
kappa_cases.append(kappa_case("one rater gives one label only", ["tie"] * 6, ["first"] * 3 + ["tie"] * 3, 100, 1))
kappa_cases.append(kappa_case("both give one and the same label", ["tie"] * 5, ["tie"] * 5, 100, 1))
out["kappa"] = kappa_cases


# ---- instance-level agreement: agreement and kappa per group (model) and pooled, units (instructions) resampled ----
# Written from the definition, not from the TypeScript: each group has a label pair per
# unit; a replicate draws the units with replacement, the same draw for every group, and
# the pool is every pooled group's pairs on the drawn units taken together.
def pair_figures(pairs):
    n = len(pairs)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    xa = [p[0] for p in pairs]
    xb = [p[1] for p in pairs]
    po = sum(1 for x, y in pairs if x == y) / n
    pe = sum((xa.count(l) / n) * (xb.count(l) / n) for l in set(xa) | set(xb))
    return po, pe, kappa_of(xa, xb)


def grouped_case(name, groups, units, resamples, seed):
    def labelled(g, idx):
        return [(g["first"][i], g["second"][i]) for i in idx
                if g["first"][i] is not None and g["second"][i] is not None]

    def pooled_pairs(idx):
        return [p for g in groups if g["pooled"] for p in labelled(g, idx)]

    every = list(range(units))
    sets = [lambda idx, g=g: labelled(g, idx) for g in groups] + [pooled_pairs]
    rng = create_rng(seed)
    reps = [([], []) for _ in sets]
    for _ in range(resamples):
        idx = draws(rng, units)
        for k, pairs_of in enumerate(sets):
            po, _, kk = pair_figures(pairs_of(idx))
            reps[k][0].append(100 * po)
            reps[k][1].append(kk)
    figures = []
    for k, pairs_of in enumerate(sets):
        pairs = pairs_of(every)
        po, pe, kk = pair_figures(pairs)
        members = [g for g in groups if g["pooled"]] if k == len(groups) else [groups[k]]
        used = sum(1 for u in every if any(g["first"][u] is not None and g["second"][u] is not None for g in members))
        figures.append({"n": len(pairs), "units": used, "agreement": fin(100 * po), "observed": fin(po),
                        "expected": fin(pe), "kappa": fin(kk),
                        "agreementCi95": interval(reps[k][0]) if pairs else None,
                        "kappaCi95": interval(reps[k][1]) if math.isfinite(kk) else None})
    return {"name": name, "groups": groups, "units": units, "resamples": resamples, "seed": seed,
            "figures": figures[:-1], "pooled": figures[-1]}


# 4 models x 40 instructions: verdicts that agree more on some instructions than others
# (a generator of its own, so the cases after this one draw what they drew before)
cgen = random.Random(31)
groups = []
for model in range(4):
    first, second = [], []
    for instr in range(40):
        ref = cgen.choice(verdicts) if cgen.random() < 0.9 else None
        easy = instr % 3 == 0
        judged = ref if (ref is not None and cgen.random() < (0.85 if easy else 0.45)) else cgen.choice(verdicts)
        first.append(None if cgen.random() < 0.05 else judged)
        second.append(ref)
    groups.append({"first": first, "second": second, "pooled": model != 2})
grouped_cases = [grouped_case("4 models x 40 instructions, 3 pooled", groups, 40, 300, 3)]
grouped_cases.append(grouped_case("one group (the plain item bootstrap)",
                                  [{"first": human, "second": judge, "pooled": True}], len(human), 400, 5))
grouped_cases.append(grouped_case("all ties on both sides, and a group without pairs",
                                  [{"first": ["tie"] * 6, "second": ["tie"] * 6, "pooled": True},
                                   {"first": [None] * 6, "second": ["tie"] * 6, "pooled": True}], 6, 50, 1))
out["groupedAgreement"] = grouped_cases


# ---- McNemar (statsmodels' mcnemar, both forms, with scipy) ----
def mcnemar_case(b, c, both, neither):
    first = [True] * b + [False] * c + [True] * both + [False] * neither
    second = [False] * b + [True] * c + [True] * both + [False] * neither
    n = b + c
    exact = min(1.0, float(stats.binom.cdf(min(b, c), n, 0.5)) * 2)
    chi = ((abs(b - c) - 1) ** 2 / n) if n > 0 else None
    return {"b": b, "c": c, "first": first, "second": second, "p": exact,
            "chiSquare": chi, "chiSquareP": float(stats.chi2.sf(chi, 1)) if chi is not None else None}


out["mcnemar"] = [mcnemar_case(*x) for x in [(0, 0, 5, 2), (3, 5, 20, 4), (10, 2, 30, 9), (7, 7, 1, 1), (40, 55, 300, 100), (150, 121, 900, 200), (1, 0, 3, 0)]]


# ---- length-controlled score: OLS of rating on tanh(standardised length difference) ----
def lc_fit(r, dm, db):
    d = np.array(dm, dtype=float) - np.array(db, dtype=float)
    sd = d.std(ddof=1)
    x = np.tanh(d / sd)
    res = stats.linregress(x, np.array(r, dtype=float))
    return res, sd


def lc_case(name, ratings, model_len, base_len, resamples, seed):
    res, sd = lc_fit(ratings, model_len, base_len)
    n = len(ratings)
    rng = create_rng(seed)
    reps = []
    for _ in range(resamples):
        idx = draws(rng, n)
        rr = [ratings[i] for i in idx]
        dm = [model_len[i] for i in idx]
        db = [base_len[i] for i in idx]
        d = np.array(dm, dtype=float) - np.array(db, dtype=float)
        if d.std(ddof=1) == 0:  # the harness: the plain mean if no difference at all, else undefined
            reps.append(float(np.mean(rr)) if np.all(d == 0) else float("nan"))
            continue
        reps.append(float(lc_fit(rr, dm, db)[0].intercept))
    return {"name": name, "ratings": ratings, "modelLengths": model_len, "baselineLengths": base_len,
            "resamples": resamples, "seed": seed, "value": float(res.intercept), "slope": float(res.slope),
            "standardError": float(res.intercept_stderr), "sdLengthDifference": float(sd),
            "raw": float(np.mean(ratings)), "ci95": interval(reps)}


base = [gen.randint(200, 2000) for _ in range(60)]
model = [max(1, b + gen.randint(-900, 1500)) for b in base]
ratings = [min(10, max(1, round(5 + 2.5 * math.tanh((m - b) / 700) + gen.gauss(0, 1.2)))) for m, b in zip(model, base)]
lc_cases = [lc_case("60 items, longer outputs rated higher", ratings, model, base, 300, 21)]
base = [gen.randint(100, 900) for _ in range(12)]
model = [b + gen.randint(-300, 300) for b in base]
ratings = [gen.randint(1, 10) for _ in base]
lc_cases.append(lc_case("12 items, no length effect", ratings, model, base, 200, 2))
out["lengthControl"] = lc_cases

print(json.dumps(out, indent=1))

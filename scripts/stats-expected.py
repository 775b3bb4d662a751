"""Expected values for the statistics tests, computed independently with scipy.

Usage: python3 scripts/stats-expected.py > test/fixtures/stats-expected.json
(scipy 1.17.1, numpy 2.4.6 produced the committed file.)
"""
import csv
import json
import math
import random

import scipy
from scipy import stats


def case(name, x, y):
    def clean(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "name": name,
            "x": x,
            "y": y,
            "spearman": clean(stats.spearmanr(x, y).statistic),
            "kendall": clean(stats.kendalltau(x, y, variant="b").statistic),
            "pearson": clean(stats.pearsonr(x, y).statistic) if len(set(x)) > 1 and len(set(y)) > 1 else None,
        }


def read_table24():
    with open("../shared/data/auto-j/paper/table24_alpacaeval_autoj_ratings.csv") as f:
        rows = list(csv.DictReader(f))
    with open("../shared/data/alpaca_eval/history/data_AlpacaEval/2023-09-19_alpaca_eval_gpt4_leaderboard.csv") as f:
        ref = {r[""]: float(r["win_rate"]) for r in csv.DictReader(f)}
    pairs = [(float(r["autoj_mean_rating"]), ref[r["alpaca_eval_id"]]) for r in rows if r["alpaca_eval_id"] in ref]
    return [p[0] for p in pairs], [p[1] for p in pairs]


rng = random.Random(7)
cases = []
x, y = read_table24()
cases.append(case("table24 vs 2023-09-19 AlpacaEval 1", x, y))
cases.append(case("many ties", [1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 5, 5], [2, 1, 2, 3, 3, 3, 4, 4, 5, 5, 1, 5]))
cases.append(case("ties in one side only", [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 2, 2, 3, 3, 3]))
cases.append(case("perfect reverse", [1, 2, 3, 4, 5], [50, 40, 30, 20, 10]))
xs = [rng.randint(1, 10) for _ in range(200)]
ys = [v + rng.randint(-3, 3) for v in xs]
cases.append(case("200 integer ratings with heavy ties", xs, ys))
xs = [rng.gauss(0, 1) for _ in range(60)]
ys = [v * 0.5 + rng.gauss(0, 1) for v in xs]
cases.append(case("60 continuous values", xs, ys))
cases.append(case("constant x", [3, 3, 3, 3], [1, 2, 3, 4]))
print(json.dumps({"scipy": scipy.__version__, "cases": cases}, indent=1))

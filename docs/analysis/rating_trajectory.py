#!/usr/bin/env python3
"""Mean rating per episode per arm, with 95% confidence intervals, from a `./study export` folder.

    python3 docs/analysis/rating_trajectory.py EXPORT_DIR OUT.png

Each participant's ratings are first averaged per episode, so a participant counts once per episode; the interval is
the mean of those participant means plus or minus t(0.975, n-1) standard errors. Needs pandas and matplotlib.
"""
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import pandas as pd

# t(0.975, df) for small samples; beyond 30 the normal 1.96 is close enough.
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
        20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
        29: 2.045, 30: 2.042}


def t975(df):
    return T975.get(df, 1.96) if df >= 1 else float("nan")


def trajectory(export_dir):
    steps = pd.read_csv(f"{export_dir}/steps.csv", dtype={"participant_id": str, "arm": str})
    per_participant = (steps.groupby(["arm", "participant_id", "episode"], as_index=False)["rating"].mean())
    summary = (per_participant.groupby(["arm", "episode"])["rating"]
               .agg(mean="mean", sd="std", n="count").reset_index())
    summary["half_width"] = [t975(n - 1) * sd / n ** 0.5 if n > 1 else 0.0
                             for n, sd in zip(summary["n"], summary["sd"])]
    return summary


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    export_dir, out = argv[1], argv[2]
    summary = trajectory(export_dir)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for arm, rows in summary.groupby("arm"):
        ax.plot(rows["episode"], rows["mean"], marker="o", label=f"arm {arm}")
        ax.fill_between(rows["episode"], rows["mean"] - rows["half_width"], rows["mean"] + rows["half_width"],
                        alpha=0.2)
    ax.set_xlabel("episode")
    ax.set_ylabel("mean rating (1-10)")
    ax.set_title("Rating trajectory per arm (95% CI over participants)")
    ax.set_ylim(1, 10)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(summary.to_string(index=False))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

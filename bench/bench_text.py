"""Comment throughput: comments per second for masking, tokenising and sentiment, 100 000 sample comments.

``sentiment`` is P(positive) alone; ``classes`` adds the three classes and the mixed flag.

    python bench/bench_text.py [--n 100000]
"""

from __future__ import annotations

import argparse
import time

import cxlab
from cxlab.text import language, mask, sentiment, sentiment_classes, tokenize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    comments = cxlab.sample.responses(args.n * 8, seed=0)["comment"].dropna().head(args.n)
    print(f"{len(comments):,} sample comments ({comments.str.len().mean():.1f} characters on average)")
    tokenize("预热")  # load jieba and the CX dictionary once, outside the timing
    t0 = time.perf_counter()
    sentiment(["预热", "warm up"])  # load the weights once
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    masked = mask(comments)
    t_mask = time.perf_counter() - t0
    t0 = time.perf_counter()
    words = [tokenize(c) for c in comments]
    t_tok = time.perf_counter() - t0
    t0 = time.perf_counter()
    probs = sentiment(comments)
    t_sent = time.perf_counter() - t0
    t0 = time.perf_counter()
    classes = sentiment_classes(comments)
    t_classes = time.perf_counter() - t0
    english = int((comments.map(language) == "en").sum())
    print(f"masking:    {len(comments) / t_mask:10,.0f} comments/s  ({sum(masked.attrs['masked'].values()):,} items)")
    print(f"tokenising: {len(comments) / t_tok:10,.0f} comments/s  ({sum(map(len, words)):,} words; includes masking)")
    print(f"sentiment:  {len(comments) / t_sent:10,.0f} comments/s  ({english:,} English; "
          f"{(probs > 0.5).mean():.0%} positive; first use loads the models in {t_load:.1f} s)")
    shares = classes["sentiment"].value_counts(normalize=True)
    print(f"classes:    {len(comments) / t_classes:10,.0f} comments/s  (three classes and the mixed flag; "
          + ", ".join(f"{c} {shares.get(c, 0):.0%}" for c in ("negative", "neutral", "positive"))
          + f", mixed {classes['mixed'].mean():.0%})")


if __name__ == "__main__":
    main()

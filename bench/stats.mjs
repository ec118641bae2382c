// The benchmark's arithmetic, shared by bench/run.mjs and bench/baseline.mjs:
// medians, percentiles, and per-client ratios over rounds of the form
// { client: value }.

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** Each client's median of its per-round ratios to `base`. */
export const ratioTo = (rounds, base, pick = (x) => x) =>
  Object.fromEntries(Object.keys(rounds[0]).map((c) => [c, median(rounds.map((r) => pick(r[c]) / pick(r[base])))]));

/** The spread of a row: the interquartile range of its per-round ratios. */
export const spreadTo = (rounds, base, pick = (x) => x) =>
  Object.fromEntries(
    Object.keys(rounds[0]).map((c) => {
      const rs = rounds.map((r) => pick(r[c]) / pick(r[base]));
      return [c, pct(rs, 75) - pct(rs, 25)];
    }),
  );

/** Each client's median value. */
export const med = (rounds, pick = (x) => x) => Object.fromEntries(Object.keys(rounds[0]).map((c) => [c, median(rounds.map((r) => pick(r[c])))]));

// Evaluation metrics for the model card: PR-AUC (average precision) and macro-averaged F1.

/**
 * Average precision: sum over distinct score thresholds (high to low) of precision x recall
 * gained; tied scores form one step, so a constant scorer gets exactly the positive rate.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  if (positives === 0) return 0;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < order.length; ) {
    const s = scores[order[k]!]!;
    while (k < order.length && scores[order[k]!] === s) {
      tp += labels[order[k]!]!;
      seen++;
      k++;
    }
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/** Mean of the F1 of the positive class and the F1 of the negative class, predicting score >= threshold. */
export function f1Macro(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (labels[i]) predicted ? tp++ : fn++;
    else predicted ? fp++ : tn++;
  }
  const f1 = (a: number, b: number, c: number) => (a === 0 ? 0 : (2 * a) / (2 * a + b + c));
  return (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2;
}

/**
 * The threshold (among the distinct scores, plus +Infinity = "predict nothing positive") that
 * maximises F1-macro; chosen on training rows, then applied to held-out rows.
 */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const candidates = [...new Set(Array.from(scores))].sort((a, b) => a - b);
  // Bound the search: up to 200 quantiles of the distinct scores.
  const step = Math.max(1, Math.floor(candidates.length / 200));
  let best = { threshold: Number.POSITIVE_INFINITY, f1: f1Macro(scores, labels, Number.POSITIVE_INFINITY) };
  for (let i = 0; i < candidates.length; i += step) {
    const f1 = f1Macro(scores, labels, candidates[i]!);
    if (f1 > best.f1) best = { threshold: candidates[i]!, f1 };
  }
  return best.threshold;
}

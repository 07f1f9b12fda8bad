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

/** F1 of the positive class alone, predicting score >= threshold (0 when nothing is predicted or present). */
export function positiveF1(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (labels[i]) predicted ? tp++ : fn++;
    else if (predicted) fp++;
  }
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** The threshold (among distinct scores) that maximises positive-class F1; chosen on one split, applied to another. */
export function bestPositiveF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const candidates = [...new Set(Array.from(scores))].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(candidates.length / 200));
  let best = { threshold: Number.POSITIVE_INFINITY, f1: 0 };
  for (let i = 0; i < candidates.length; i += step) {
    const f1 = positiveF1(scores, labels, candidates[i]!);
    if (f1 > best.f1) best = { threshold: candidates[i]!, f1 };
  }
  return best.threshold;
}

/** Mean squared error of probabilities against 0/1 outcomes (lower is better). */
export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (labels.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / labels.length;
}

export interface ReliabilityBin {
  /** Bin bounds on the predicted probability. */
  from: number;
  to: number;
  rows: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability table: predicted vs observed rate in probability bins (empty bins left out). */
export function reliabilityTable(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  edges: readonly number[] = [0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1],
): ReliabilityBin[] {
  const bins = edges.slice(0, -1).map((from, k) => ({ from, to: edges[k + 1]!, rows: 0, p: 0, y: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i]!;
    const bin = bins.find((b, k) => p < b.to || k === bins.length - 1)!;
    bin.rows++;
    bin.p += p;
    bin.y += labels[i]!;
  }
  return bins
    .filter((b) => b.rows > 0)
    .map((b) => ({
      from: b.from,
      to: b.to,
      rows: b.rows,
      meanPredicted: b.p / b.rows,
      observedRate: b.y / b.rows,
    }));
}

/**
 * Platt scaling: p = sigmoid(a * logit + b) fitted by Newton's method on held-out (logit, label)
 * pairs, with Platt's smoothed targets so a perfectly separated split does not diverge.
 */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): { a: number; b: number } {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i]!;
  const neg = labels.length - pos;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const target = (i: number) => (labels[i] ? hi : lo);
  // Negative log-likelihood, computed stably (log(1 + e^x) without overflow).
  const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
  const loss = (a: number, b: number) => {
    let sum = 0;
    for (let i = 0; i < labels.length; i++) {
      const f = a * logits[i]! + b;
      const t = target(i);
      sum += t * softplus(-f) + (1 - t) * softplus(f);
    }
    return sum;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let gA = 0;
    let gB = 0;
    let hAA = 1e-12;
    let hAB = 0;
    let hBB = 1e-12;
    for (let i = 0; i < labels.length; i++) {
      const z = logits[i]!;
      const p = 1 / (1 + Math.exp(-(a * z + b)));
      const d = p - target(i);
      const w = Math.max(p * (1 - p), 1e-12);
      gA += d * z;
      gB += d;
      hAA += w * z * z;
      hAB += w * z;
      hBB += w;
    }
    const det = hAA * hBB - hAB * hAB;
    if (!(Math.abs(det) > 1e-18)) break;
    const da = (hBB * gA - hAB * gB) / det;
    const db = (hAA * gB - hAB * gA) / det;
    // Backtracking line search: Newton steps overshoot when the logits take few values.
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da;
    b -= step * db;
    const improved = current - next;
    current = next;
    if (improved < 1e-10) break;
  }
  return { a, b };
}

/**
 * Calibrates a rule's discrete score into probabilities: the positive rate of each distinct score
 * on a calibration split (a step-wise isotonic map for rules with few values), else the overall rate.
 */
export function bucketCalibration(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): (score: number) => number {
  const sums = new Map<number, { n: number; y: number }>();
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const s = sums.get(scores[i]!) ?? { n: 0, y: 0 };
    s.n++;
    s.y += labels[i]!;
    total += labels[i]!;
    sums.set(scores[i]!, s);
  }
  const overall = labels.length > 0 ? total / labels.length : 0;
  // Laplace-smoothed towards the overall rate so a bucket of 3 rows does not claim 0% or 100%.
  return (score) => {
    const s = sums.get(score);
    return s ? (s.y + overall * 2) / (s.n + 2) : overall;
  };
}

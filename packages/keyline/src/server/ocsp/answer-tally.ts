import type { Histogram } from 'prom-client';
import { LATENCY_BUCKETS, type ServerMetrics } from '../observability/metrics.js';

type Method = 'POST' | 'GET';
type CertStatus = 'good' | 'revoked' | 'unknown';

const ROUTES: Readonly<Record<Method, string>> = { POST: '/ocsp/:caId', GET: '/ocsp/:caId/*' };
const METHODS = ['POST', 'GET'] as const;
const CERT_STATUSES = ['good', 'revoked', 'unknown'] as const;

/** One method's latencies since the last flush, by bucket as the histogram counts them. */
interface Latencies {
  /** Per upper bound of LATENCY_BUCKETS (index), observations at most that and above the one before. */
  readonly buckets: number[];
  count: number;
  sum: number;
  /** Per bucket, the sum of its observations (for the fallback, below). */
  readonly sums: number[];
}

/**
 * The metrics of the listener's cache hits (200, `successful`), counted as plain numbers and added
 * to the server's metrics whenever those are read (`ServerMetrics.onCollect`: /metrics, the
 * workers' snapshots, `get()`). prom-client costs a label look-up per counter and per histogram
 * per answer (a labels object hashed to a string each time); here an answer costs a few additions.
 * What is read afterwards is what counting each answer on its own gives: the same counters, and
 * the same histogram buckets, count and sum.
 */
export class CachedAnswerTally {
  private readonly requests: Record<Method, number> = { POST: 0, GET: 0 };
  private readonly certStatus: Record<CertStatus, number> = { good: 0, revoked: 0, unknown: 0 };
  private readonly latency: Record<Method, Latencies> = { POST: latencies(), GET: latencies() };

  constructor(private readonly metrics: ServerMetrics) {
    metrics.onCollect(() => this.flush());
  }

  /** One answer from the cache, `seconds` after its request was complete. */
  count(method: Method, certStatus: CertStatus, seconds: number): void {
    this.requests[method]++;
    this.certStatus[certStatus]++;
    const latency = this.latency[method];
    latency.count++;
    latency.sum += seconds;
    // As prom-client's findBound: the first bound at least the value; past the last, only count and sum.
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) {
        latency.buckets[i]!++;
        latency.sums[i]! += seconds;
        return;
      }
    }
  }

  /** Adds the counts so far to the server's metrics. */
  flush(): void {
    for (const method of METHODS) {
      const n = this.requests[method];
      if (n > 0) this.metrics.requests.inc({ method, route: ROUTES[method], status: '200' }, n);
      this.requests[method] = 0;
      const latency = this.latency[method];
      if (latency.count > 0) addLatencies(this.metrics.latency, { method, route: ROUTES[method] }, latency);
      this.latency[method] = latencies();
    }
    for (const status of CERT_STATUSES) {
      const n = this.certStatus[status];
      if (n > 0) this.metrics.ocspResponses.inc({ status: 'successful', cert_status: status }, n);
      this.certStatus[status] = 0;
    }
  }
}

function latencies(): Latencies {
  return { buckets: LATENCY_BUCKETS.map(() => 0), sums: LATENCY_BUCKETS.map(() => 0), count: 0, sum: 0 };
}

/** A series of prom-client's Histogram (15.x), as it keeps it: `hashMap[hash]`. */
interface HistogramSeries {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * Adds a batch of observations to one series of `histogram`. prom-client has no call for many
 * observations at once, so this adds them to the series where the histogram keeps it, after
 * checking that it has the shape assumed; should it not (another prom-client), each observation is
 * replayed with `observe` (its bucket's mean: the same buckets and count, the sum up to rounding).
 */
function addLatencies(
  histogram: Histogram<'method' | 'route'>,
  labels: { readonly method: string; readonly route: string },
  latency: Latencies,
): void {
  let found = findSeries(histogram, labels);
  if (found === undefined && isHistogramMap(histogram)) {
    // No series yet: prom-client makes an empty one (zero() of a series that exists would reset it).
    histogram.zero(labels);
    found = findSeries(histogram, labels);
  }
  const series = found !== undefined && isSeries(found) ? found : undefined;
  if (series !== undefined) {
    latency.buckets.forEach((n, i) => {
      series.bucketValues[LATENCY_BUCKETS[i]!]! += n;
    });
    series.sum += latency.sum;
    series.count += latency.count;
    return;
  }
  const over = latency.count - latency.buckets.reduce((a, b) => a + b, 0);
  const overSum = latency.sum - latency.sums.reduce((a, b) => a + b, 0);
  latency.buckets.forEach((n, i) => {
    const bound = LATENCY_BUCKETS[i]!;
    const below = i === 0 ? 0 : LATENCY_BUCKETS[i - 1]!;
    const mean = latency.sums[i]! / n;
    const value = mean > below && mean <= bound ? mean : bound;
    for (let k = 0; k < n; k++) histogram.observe(labels, value);
  });
  for (let k = 0; k < over; k++) histogram.observe(labels, overSum / over);
}

function isHistogramMap(histogram: object): histogram is { hashMap: Record<string, unknown> } {
  const map = (histogram as { hashMap?: unknown }).hashMap;
  return typeof map === 'object' && map !== null;
}

/** The entry of `labels` in the histogram's own map, if there is one. */
function findSeries(
  histogram: object,
  labels: { readonly method: string; readonly route: string },
): Partial<HistogramSeries> | undefined {
  if (!isHistogramMap(histogram)) return undefined;
  for (const value of Object.values(histogram.hashMap)) {
    const series = value as Partial<HistogramSeries> | null;
    const own = series?.labels;
    if (own?.['method'] === labels.method && own['route'] === labels.route && Object.keys(own).length === 2) {
      return series!;
    }
  }
  return undefined;
}

/** Whether an entry has the shape assumed: a number per bucket bound, a sum and a count. */
function isSeries(series: Partial<HistogramSeries>): series is HistogramSeries {
  const buckets = series.bucketValues;
  return (
    typeof series.sum === 'number' &&
    typeof series.count === 'number' &&
    typeof buckets === 'object' &&
    buckets !== null &&
    LATENCY_BUCKETS.every((bound) => typeof buckets[bound] === 'number')
  );
}

import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/server/observability/metrics.js';
import { CachedAnswerTally } from '../../../src/server/ocsp/answer-tally.js';

/**
 * The listener's tally of cache hits (ocsp/answer-tally.ts): once read, the metrics are what
 * counting each answer with prom-client gives, histogram buckets, count and sum included.
 */
// Powers of two: sums are exact in any order, so the texts compare equal.
const LATENCIES = [2 ** -14, 2 ** -12, 2 ** -10, 2 ** -10, 2 ** -6, 2 ** -3, 2 ** 0, 2 ** 2, 2 ** 3];
const ANSWERS = LATENCIES.map((seconds, i) => ({
  method: i % 3 === 0 ? ('GET' as const) : ('POST' as const),
  cert: (['good', 'revoked', 'good', 'unknown'] as const)[i % 4]!,
  seconds,
}));

function direct(): ReturnType<typeof createMetrics> {
  const metrics = createMetrics();
  for (const { method, cert, seconds } of ANSWERS) {
    const route = method === 'POST' ? '/ocsp/:caId' : '/ocsp/:caId/*';
    metrics.requests.inc({ method, route, status: '200' });
    metrics.latency.observe({ method, route }, seconds);
    metrics.ocspResponses.inc({ status: 'successful', cert_status: cert });
  }
  return metrics;
}

describe('CachedAnswerTally', () => {
  it('reads as counting each answer on its own, before and after more answers', async () => {
    const metrics = createMetrics();
    const tally = new CachedAnswerTally(metrics);
    for (const { method, cert, seconds } of ANSWERS.slice(0, 4)) tally.count(method, cert, seconds);
    // A series made by others first (a signed answer observed directly) is added to, not replaced.
    metrics.latency.observe({ method: 'POST', route: '/ocsp/:caId' }, 2 ** -5);
    // The batch is added to the series at once, not replayed one observation at a time.
    metrics.latency.observe = (() => {
      throw new Error('replayed');
    }) as typeof metrics.latency.observe;
    const expected = direct();
    expected.latency.observe({ method: 'POST', route: '/ocsp/:caId' }, 2 ** -5);
    await metrics.registry.metrics();
    for (const { method, cert, seconds } of ANSWERS.slice(4)) tally.count(method, cert, seconds);
    const [got, want] = await Promise.all([metrics.registry.metrics(), expected.registry.metrics()]);
    expect(sorted(got)).toEqual(sorted(want));
    expect(got).toContain('keyline_http_request_duration_seconds_count{method="POST",route="/ocsp/:caId"} 7');
    // Read again with nothing new: nothing is added twice.
    expect(sorted(await metrics.registry.metrics())).toEqual(sorted(want));
  });

  it('replays the observations through observe when the histogram does not keep series as assumed', async () => {
    const metrics = createMetrics();
    // Another prom-client: no map where this one keeps its series.
    Object.defineProperty(metrics.latency, 'hashMap', { value: undefined, writable: true });
    const observed: number[] = [];
    metrics.latency.observe = ((labels: never, value: number) => {
      observed.push(value);
    }) as typeof metrics.latency.observe;
    const tally = new CachedAnswerTally(metrics);
    for (const { method, cert, seconds } of ANSWERS) tally.count(method, cert, seconds);
    tally.flush();
    expect(observed).toHaveLength(ANSWERS.length);
    expect(observed.reduce((a, b) => a + b, 0)).toBeCloseTo(
      LATENCIES.reduce((a, b) => a + b, 0),
      9,
    );
  });
});

/** The exposition's lines, in order of name (series are listed in the order they were made). */
function sorted(text: string): string[] {
  return text.split('\n').sort();
}

import { Registry } from 'prom-client';

/** One sample of a metric family, as prom-client's `getMetricsAsJSON` gives it. */
export interface MetricSample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  /** A histogram's `_bucket`, `_sum` or `_count` series; absent for counters and gauges. */
  readonly metricName?: string;
}

/**
 * A metric family as prom-client's `getMetricsAsJSON` gives it, and as it crosses the cluster IPC
 * channel (JSON). prom-client's own type says `type` is a number; at run time it is the text.
 */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator?: string;
  readonly values: readonly MetricSample[];
}

/** The families of a registry, typed as they really are. */
export async function familiesOf(registry: Registry): Promise<MetricFamily[]> {
  return (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];
}

/** Families whose samples can be added across processes (a sum of gauges or quantiles means nothing). */
export function isSummable(family: MetricFamily): boolean {
  return family.type === 'counter' || family.type === 'histogram';
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/**
 * Whether a message from another process holds metric families of the expected shape. The values of
 * counters and histograms must be numbers; others may be null (JSON, the IPC channel's encoding,
 * turns NaN into null: an event-loop lag not yet measured), since they are never added.
 */
export function isMetricFamilies(x: unknown): x is MetricFamily[] {
  return (
    Array.isArray(x) &&
    x.every(
      (family) =>
        isRecord(family) &&
        typeof family['name'] === 'string' &&
        typeof family['help'] === 'string' &&
        typeof family['type'] === 'string' &&
        Array.isArray(family['values']) &&
        (family['values'] as unknown[]).every(
          (sample) =>
            isRecord(sample) &&
            isRecord(sample['labels']) &&
            (typeof sample['value'] === 'number' ||
              (sample['value'] === null && !isSummable(family as unknown as MetricFamily))),
        ),
    )
  );
}

/** The key of a sample: its series name and its labels whatever their order. */
function sampleKey(sample: MetricSample): string {
  const labels = Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([sample.metricName ?? '', labels]);
}

/**
 * Adds snapshots of summable families (counters, histograms) sample by sample: the same family name,
 * the same series and the same labels are one sample whose value is the sum. A family keeps the name,
 * help and type of its first occurrence; a later family of the same name and another type is left
 * out (adding it would be nonsense), and so is every family that is not summable.
 */
export function sumFamilies(snapshots: readonly (readonly MetricFamily[])[]): MetricFamily[] {
  const families = new Map<string, { first: MetricFamily; samples: Map<string, MetricSample> }>();
  for (const snapshot of snapshots) {
    for (const family of snapshot) {
      if (!isSummable(family)) continue;
      let sum = families.get(family.name);
      if (sum === undefined) {
        sum = { first: family, samples: new Map() };
        families.set(family.name, sum);
      } else if (sum.first.type !== family.type) {
        continue;
      }
      for (const sample of family.values) {
        const key = sampleKey(sample);
        const before = sum.samples.get(key);
        sum.samples.set(key, before === undefined ? sample : { ...before, value: before.value + sample.value });
      }
    }
  }
  return [...families.values()].map(({ first, samples }) => ({
    name: first.name,
    help: first.help,
    type: first.type,
    ...(first.aggregator === undefined ? {} : { aggregator: first.aggregator }),
    values: [...samples.values()],
  }));
}

/**
 * `own` with, for each of its summable families that `accept` names, the samples of the same family
 * in `others` added in. Every other family of `own` is kept as it is; families of `others` that
 * `own` does not have, or has with another type, are left out.
 */
export function addInto(
  own: readonly MetricFamily[],
  others: readonly (readonly MetricFamily[])[],
  accept: (name: string) => boolean,
): MetricFamily[] {
  return own.map((family) => {
    if (!isSummable(family) || !accept(family.name)) return family;
    const same = others.flatMap((snapshot) => snapshot.filter((f) => f.name === family.name));
    if (same.length === 0) return family;
    return sumFamilies([[family], same])[0]!;
  });
}

/**
 * The Prometheus text (the server's registries are all of that format) of families, formatted by prom-client itself (the same escaping and number
 * formatting as `registry.metrics()`): each family is registered in a fresh registry as an object
 * whose `get` gives it, as prom-client's AggregatorRegistry does with the families it aggregates.
 */
export function renderFamilies(families: readonly MetricFamily[]): Promise<string> {
  const registry = new Registry();
  for (const family of families) {
    const metric = { ...family, get: () => Promise.resolve(family) };
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }
  return registry.metrics();
}

import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Labels = Record<string, string>;

function matches(sample: Labels | undefined, wanted: Labels): boolean {
  return Object.entries(wanted).every(([k, v]) => sample?.[k] === v);
}

/**
 * A parsed /metrics scrape, with lookups that sum every series whose labels include the given ones.
 * parse-prometheus-text-format merges the series of a labelled histogram into one, so series are read from a
 * second parse without TYPE/HELP lines, where `x_count{route="a"}` is a plain sample of its own.
 */
export class PrometheusText {
  readonly families: ReturnType<typeof parsePrometheusTextFormat>;
  private readonly samples: ReturnType<typeof parsePrometheusTextFormat>;

  constructor(readonly text: string) {
    this.families = parsePrometheusTextFormat(text);
    this.samples = parsePrometheusTextFormat(text.replace(/^# (TYPE|HELP) .*$/gm, ''));
  }

  family(name: string) {
    return this.families.find((f) => f.name === name);
  }

  /** Sum of the samples of one series name (counter, gauge, or a histogram's `_count`) matching the labels. */
  value(name: string, labels: Labels = {}): number {
    return this.series(name)
      .filter((s) => matches(s.labels, labels))
      .reduce((sum, s) => sum + Number(s.value), 0);
  }

  /** Observations of a histogram matching the labels. */
  count(name: string, labels: Labels = {}): number {
    return this.value(`${name}_count`, labels);
  }

  /** Every label set of a series name. */
  labelSets(name: string): Labels[] {
    return this.series(name).map((s) => s.labels ?? {});
  }

  private series(name: string) {
    return this.samples.filter((f) => f.name === name).flatMap((f) => f.metrics);
  }
}

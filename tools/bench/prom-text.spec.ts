import { lagOf, metricValue, summarizeLag } from './prom-text';

const EXPOSITION = [
  '# HELP input_log_unshipped_records Records in the local log not yet in the database',
  '# TYPE input_log_unshipped_records gauge',
  'input_log_unshipped_records 42',
  'input_log_unshipped_records_extra 7',
  '# TYPE input_log_unshipped_oldest_age_seconds gauge',
  'input_log_unshipped_oldest_age_seconds 0.25',
  'http_requests_total{method="POST",route="/process",status_code="200"} 1000 1733450000000',
  'http_requests_total{method="GET",route="/say \\"hi\\"",status_code="200"} 3',
  'histogram_bucket{le="+Inf"} +Inf',
].join('\n');

describe(metricValue.name, () => {
  it('reads an unlabelled sample, not one of a longer name', () => {
    expect(metricValue(EXPOSITION, 'input_log_unshipped_records')).toBe(42);
    expect(metricValue(EXPOSITION, 'input_log_unshipped_oldest_age_seconds')).toBe(0.25);
  });

  it('matches labels, escaped quotes included, and ignores a timestamp', () => {
    expect(metricValue(EXPOSITION, 'http_requests_total', { method: 'POST' })).toBe(1000);
    expect(metricValue(EXPOSITION, 'http_requests_total', { route: '/say "hi"' })).toBe(3);
    expect(metricValue(EXPOSITION, 'http_requests_total')).toBe(1000);
    expect(metricValue(EXPOSITION, 'histogram_bucket', { le: '+Inf' })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('has no value for a metric or labels that are not there', () => {
    expect(metricValue(EXPOSITION, 'input_log_unshipped')).toBeNaN();
    expect(metricValue(EXPOSITION, 'nothing_here')).toBeNaN();
    expect(metricValue(EXPOSITION, 'http_requests_total', { method: 'PUT' })).toBeNaN();
    expect(metricValue('', 'input_log_unshipped_records')).toBeNaN();
  });
});

describe(summarizeLag.name, () => {
  it('keeps the largest backlog and the last one', () => {
    expect(
      summarizeLag([
        lagOf(EXPOSITION),
        { records: 300, oldestAgeSeconds: 0.1 },
        { records: 0, oldestAgeSeconds: 0 },
      ]),
    ).toEqual({
      samples: 3,
      peakRecords: 300,
      peakAgeSeconds: 0.25,
      endRecords: 0,
      endAgeSeconds: 0,
    });
  });

  it('leaves out samples a failed scrape left empty, and has no lag without samples', () => {
    const summary = summarizeLag([{ records: 5, oldestAgeSeconds: 1 }, lagOf('not an exposition')]);
    expect(summary).toMatchObject({ samples: 1, endRecords: 5, endAgeSeconds: 1 });
    expect(summarizeLag([]).peakRecords).toBeNaN();
  });
});

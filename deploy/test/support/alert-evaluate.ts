// How Grafana would evaluate a provisioned alert rule at a moment: its SQL (macros expanded over
// the rule's relative time range) run on a real database, the answer turned into series, reduced
// and held against the threshold. Used by the alert-rule tests and by the collector's fault
// schedule, so both test the rule as provisioned rather than a restatement of it.
import type { QueryResult } from 'pg';
import { expandMacros, reduce, threshold, toSeries } from './grafana-sql';
import type { AlertRule } from './provisioning';

/** Anything that runs a query: a pg Pool or Client. */
export interface Queryable {
  query(sql: string): Promise<QueryResult>;
}

/** Which label sets (host, or host/container) fire and which stay quiet when `rule` is evaluated at `nowMs`. */
export async function evaluateRule(db: Queryable, rule: AlertRule, nowMs: number): Promise<{ firing: string[]; quiet: string[] }> {
  const query = rule.data.find((d) => d.datasourceUid !== '__expr__');
  const reducer = rule.data.find((d) => d.model.type === 'reduce');
  const condition = rule.data.find((d) => d.refId === rule.condition);
  if (!query?.model.rawSql || !query.relativeTimeRange || !reducer?.model.reducer || !condition?.model.conditions?.[0]) {
    throw new Error(`rule ${rule.uid} lacks a SQL query, a reduce or a threshold`);
  }
  const sql = expandMacros(query.model.rawSql, {
    from: new Date(nowMs - query.relativeTimeRange.from * 1000),
    to: new Date(nowMs - query.relativeTimeRange.to * 1000),
  });
  const result = await db.query(sql);
  const firing: string[] = [];
  const quiet: string[] = [];
  for (const series of toSeries(result.rows, result.fields)) {
    const key = [series.labels.host, series.labels.container].filter(Boolean).join('/');
    const value = reduce(series.points.map((p) => p.value), reducer.model.reducer);
    (threshold(value, condition.model.conditions[0].evaluator) ? firing : quiet).push(key);
  }
  return { firing: firing.sort(), quiet: quiet.sort() };
}

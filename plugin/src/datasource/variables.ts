import {
  createDataFrame,
  CustomVariableSupport,
  FieldType,
  type DataQueryRequest,
  type DataQueryResponse,
  type MetricFindValue,
} from '@grafana/data';
import { from, type Observable } from 'rxjs';
import { map } from 'rxjs/operators';
import type { DockpulseQuery, DockpulseVariableQuery, VariableDataSource } from './types';
import { VariableQueryEditor } from './components/VariableQueryEditor';

/** Frames with text and value fields are what Grafana turns into variable options. */
export function valuesFrame(values: MetricFindValue[]) {
  return createDataFrame({
    fields: [
      { name: 'text', type: FieldType.string, values: values.map((v) => String(v.text)) },
      { name: 'value', type: FieldType.string, values: values.map((v) => String(v.value ?? v.text)) },
    ],
  });
}

/** Template variables: hosts, containers (optionally of one host) and image repositories. */
export class DockpulseVariableSupport extends CustomVariableSupport<
  VariableDataSource,
  DockpulseVariableQuery,
  DockpulseQuery
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: VariableDataSource) {
    super();
  }

  query(request: DataQueryRequest<DockpulseVariableQuery>): Observable<DataQueryResponse> {
    const query = request.targets[0] ?? { refId: 'var', type: 'containers' };
    return from(this.datasource.findVariableValues(query, request.scopedVars)).pipe(
      map((values) => ({ data: [valuesFrame(values)] }))
    );
  }
}

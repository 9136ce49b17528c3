import { lastValueFrom } from 'rxjs';
import { DataFrameType, FieldType, type DataFrame, type DataQueryRequest } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { DataSource, describeHealth } from './datasource';
import * as answers from './__fixtures__/answers';
import {
  API_BASE,
  fakeFetch,
  fakeTemplateSrv,
  FROM_MS,
  instanceSettings,
  paramsOf,
  queryRequest,
  TO_MS,
  type Answer,
} from './testing';
import type { DockpulseOptions, DockpulseVariableQuery } from './types';
import { DockpulseVariableSupport } from './variables';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

const VARIABLES = {
  host: 'h1',
  container: ['web', 'db'],
  one: 'web',
  all: '*',
  allGlob: '$__all',
  res: 'hourly',
  q: 'error',
};

function setup(fakes: Record<string, Answer | ((url: URL) => Answer)>, jsonData: Partial<DockpulseOptions> = {}) {
  const { fetch, urls } = fakeFetch(fakes);
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as unknown as ReturnType<typeof getBackendSrv>);
  const ds = new DataSource(instanceSettings(jsonData), fakeTemplateSrv(VARIABLES));
  return { ds, urls, fetch };
}

const field = (frame: DataFrame, name: string) => {
  const f = frame.fields.find((x) => x.name === name);
  if (!f) {
    throw new Error(`no field ${name} in ${frame.fields.map((x) => x.name).join(', ')}`);
  }
  return f;
};

describe('stats queries', () => {
  it('ask /stats through the data-proxy route with the range, interval, max data points and expanded variables', async () => {
    const { ds, urls } = setup({ '/stats': { data: answers.STATS } });
    await ds.query(
      queryRequest([
        {
          refId: 'A',
          queryType: 'stats',
          metrics: ['cpu_percent', 'mem_used_bytes'],
          host: '$host',
          containers: ['$container', 'cache'],
        },
      ])
    );
    expect(urls).toHaveLength(1);
    expect(urls[0].startsWith(`${API_BASE}/stats?`)).toBe(true);
    expect(paramsOf(urls[0])).toEqual({
      containers: 'web,db,cache',
      host: 'h1',
      from: String(FROM_MS),
      to: String(TO_MS),
      metrics: 'cpu_percent,mem_used_bytes',
      resolution: 'auto',
      intervalMs: '15000',
      maxDataPoints: '500',
    });
  });

  it('leave out empty filters, treat All as every container and keep intervals inside the API bounds', async () => {
    const { ds, urls } = setup({ '/stats': { data: answers.STATS } });
    await ds.query(
      queryRequest([{ refId: 'A', queryType: 'stats', containers: ['$all'], host: '' }], {
        intervalMs: 200,
        maxDataPoints: 50000,
      })
    );
    await ds.query(queryRequest([{ refId: 'B', queryType: 'stats', containers: ['$allGlob'], host: '$allGlob' }]));
    const first = paramsOf(urls[0]);
    expect(first.containers).toBeUndefined();
    expect(first.host).toBeUndefined();
    expect(first.metrics).toBe('cpu_percent,mem_used_bytes');
    expect(first.intervalMs).toBe('1000');
    expect(first.maxDataPoints).toBe('10000');
    expect(paramsOf(urls[1]).containers).toBeUndefined();
    expect(paramsOf(urls[1]).host).toBeUndefined();
  });

  it('send the resolution chosen in the query, also from a variable', async () => {
    const { ds, urls } = setup({ '/stats': { data: answers.STATS } });
    await ds.query(queryRequest([{ refId: 'A', queryType: 'stats', resolution: 'daily' }]));
    await ds.query(queryRequest([{ refId: 'A', queryType: 'stats', resolution: '$res' as never }]));
    expect(paramsOf(urls[0]).resolution).toBe('daily');
    expect(paramsOf(urls[1]).resolution).toBe('hourly');
  });

  it('pick raw, hourly or daily for auto when the datasource sets its own thresholds', async () => {
    const { ds } = setup({}, { rawMaxRangeHours: 2, hourlyMaxRangeHours: 48 });
    expect(ds.resolutionFor('auto', 3_600_000)).toBe('raw');
    expect(ds.resolutionFor('auto', 24 * 3_600_000)).toBe('hourly');
    expect(ds.resolutionFor('auto', 72 * 3_600_000)).toBe('daily');
    expect(ds.resolutionFor('raw', 72 * 3_600_000)).toBe('raw');
    const { ds: plain } = setup({});
    expect(plain.resolutionFor('auto', 72 * 3_600_000)).toBe('auto');
  });

  it('become one time series frame per container and metric, with units, display names and the table notice', async () => {
    const { ds } = setup({ '/stats': { data: answers.STATS } });
    const { data } = await ds.query(
      queryRequest([{ refId: 'A', queryType: 'stats', metrics: ['cpu_percent', 'mem_used_bytes'] }])
    );
    const frames = data as DataFrame[];
    expect(frames).toHaveLength(4);
    const [webCpu, webMem, , dbMem] = frames;
    expect(webCpu.refId).toBe('A');
    expect(webCpu.meta?.type).toBe(DataFrameType.TimeSeriesMulti);
    expect(webCpu.meta?.notices).toEqual([
      { severity: 'info', text: 'Served from table container_stats (raw, 15s buckets)' },
    ]);
    expect(field(webCpu, 'Time').type).toBe(FieldType.time);
    expect(field(webCpu, 'Time').values).toEqual([
      answers.STATS.series[0].points[0][0],
      answers.STATS.series[0].points[1][0],
      answers.STATS.series[0].points[2][0],
    ]);
    const cpu = field(webCpu, 'cpu_percent');
    expect(cpu.type).toBe(FieldType.number);
    expect(cpu.values).toEqual([1.5, null, 2.25]);
    expect(cpu.config.unit).toBe('percent');
    expect(cpu.config.displayNameFromDS).toBe('web CPU');
    expect(cpu.labels).toEqual({ container: 'web', host: 'h1', metric: 'cpu_percent' });
    expect(field(webMem, 'mem_used_bytes').config.unit).toBe('bytes');
    // No name from the API: the short container id stands in.
    expect(field(dbMem, 'mem_used_bytes').config.displayNameFromDS).toBe('c22222222222 Memory used');
  });

  it('name a series by its container alone when the query asks for one metric', async () => {
    const one = { ...answers.STATS, series: answers.STATS.series.filter((s) => s.metric === 'cpu_percent') };
    const { ds } = setup({
      '/stats': { data: { ...one, table: 'container_stats_hourly', resolution: 'hourly', intervalMs: 3_600_000 } },
    });
    const { data } = await ds.query(queryRequest([{ refId: 'A', queryType: 'stats', metrics: ['cpu_percent'] }]));
    expect((data as DataFrame[]).map((f) => f.fields[1].config.displayNameFromDS)).toEqual(['web', 'db']);
    expect((data as DataFrame[])[0].meta?.notices?.[0].text).toBe(
      'Served from table container_stats_hourly (hourly, 1h buckets)'
    );
  });

  it('give network and block IO rates the Bps unit', async () => {
    const series = ['net_rx_bps', 'blk_write_bps', 'pids'].map((metric) => ({ ...answers.STATS.series[0], metric }));
    const { ds } = setup({ '/stats': { data: { ...answers.STATS, series } } });
    const { data } = await ds.query(queryRequest([{ refId: 'A', queryType: 'stats' }]));
    expect((data as DataFrame[]).map((f) => f.fields[1].config.unit)).toEqual(['Bps', 'Bps', 'none']);
  });

  it('send top, rank metric, aggregate and grouping; rank metric and aggregate only with top', async () => {
    const { ds, urls } = setup({ '/stats': { data: answers.STATS } });
    await ds.query(
      queryRequest([
        { refId: 'A', queryType: 'stats', metrics: ['mem_used_bytes'], top: 10, by: 'cpu_percent', agg: 'max' },
        { refId: 'B', queryType: 'stats', metrics: ['net_rx_bps'], groupBy: 'host', by: 'cpu_percent', agg: 'max' },
      ])
    );
    expect(paramsOf(urls[0])).toMatchObject({ top: '10', by: 'cpu_percent', agg: 'max' });
    expect(paramsOf(urls[0]).groupBy).toBeUndefined();
    expect(paramsOf(urls[1]).groupBy).toBe('host');
    expect(paramsOf(urls[1]).by).toBeUndefined();
    expect(paramsOf(urls[1]).agg).toBeUndefined();
    expect(paramsOf(urls[1]).top).toBeUndefined();
  });

  it('show a cut answer as a warning notice that says how many of how many', async () => {
    const { ds } = setup({ '/stats': { data: answers.STATS_TRUNCATED } });
    const { data } = await ds.query(queryRequest([{ refId: 'A', queryType: 'stats', metrics: ['cpu_percent'] }]));
    const frame = (data as DataFrame[])[0];
    expect(frame.meta?.notices).toEqual([
      { severity: 'info', text: 'Served from table container_stats (raw, 15s buckets)' },
      {
        severity: 'warning',
        text: 'Showing the top 200 of 2000 containers by CPU (average): pick containers, set Top or group by host to see the rest',
      },
    ]);
    expect(frame.meta?.custom?.truncated).toBe(true);
  });

  it('an answer that was not cut carries no warning', async () => {
    const { ds } = setup({ '/stats': { data: { ...answers.STATS_TRUNCATED, truncated: false } } });
    const { data } = await ds.query(queryRequest([{ refId: 'A', queryType: 'stats' }]));
    expect((data as DataFrame[])[0].meta?.notices).toHaveLength(1);
  });

  it('name per-host series by the host (its id when it has no name), per-project ones by the project', async () => {
    const { ds } = setup({
      '/stats': (url: URL) => ({
        data: url.searchParams.get('groupBy') === 'project' ? answers.STATS_BY_PROJECT : answers.STATS_BY_HOST,
      }),
    });
    const byHost = (await ds.query(queryRequest([{ refId: 'A', queryType: 'stats', groupBy: 'host' }])))
      .data as DataFrame[];
    expect(byHost.map((f) => f.fields[1].config.displayNameFromDS)).toEqual(['alpha', 'h2']);
    expect(byHost[0].fields[1].labels).toEqual({ host: 'alpha', metric: 'mem_used_bytes' });
    expect(byHost[0].fields[1].values).toEqual([5242880]);
    const byProject = (await ds.query(queryRequest([{ refId: 'A', queryType: 'stats', groupBy: 'project' }])))
      .data as DataFrame[];
    expect(byProject.map((f) => f.fields[1].config.displayNameFromDS)).toEqual(['shop', '(no compose project)']);
    expect(byProject[1].fields[1].labels).toEqual({ project: '(no compose project)', metric: 'mem_used_bytes' });
  });

  it('report the API error message', async () => {
    const { ds } = setup({
      '/stats': {
        status: 400,
        data: {
          error: { code: 'invalid_parameter', message: 'invalid parameter "containers": must list at most 200 values' },
        },
      },
    });
    await expect(ds.query(queryRequest([{ refId: 'A', queryType: 'stats' }]))).rejects.toThrow(
      'Dockpulse API 400: invalid parameter "containers": must list at most 200 values'
    );
  });
});

describe('table queries', () => {
  it('containers: filters become parameters, rows become a table whose names link to the container dashboard', async () => {
    const { ds, urls } = setup({ '/containers': { data: answers.CONTAINERS } });
    const { data } = await ds.query(
      queryRequest([
        {
          refId: 'A',
          queryType: 'containers',
          host: '$host',
          state: 'running',
          name: 'we',
          image: 'nginx',
          label: 'app=web',
          limit: 20,
        },
      ])
    );
    expect(paramsOf(urls[0])).toEqual({
      host: 'h1',
      state: 'running',
      name: 'we',
      image: 'nginx',
      label: 'app=web',
      limit: '20',
    });
    const frame = (data as DataFrame[])[0];
    expect(frame.meta?.notices?.[0].text).toBe('Served from table container_info');
    expect(field(frame, 'Name').values).toEqual(['web', 'db', 'job']);
    expect(field(frame, 'Name').config.links?.[0].url).toContain('/d/dockpulse-container/');
    expect(field(frame, 'State').values).toEqual(['running', 'running', 'exited']);
    expect(field(frame, 'Health').values).toEqual(['healthy', 'unhealthy', '']);
    expect(field(frame, 'Restarts').values).toEqual([2, 0, 0]);
    expect(field(frame, 'Memory limit').config.unit).toBe('bytes');
    expect(field(frame, 'Started').type).toBe(FieldType.time);
    expect(field(frame, 'Started').values[2]).toBeNull();
    expect(field(frame, 'Container ID').values[0]).toBe('c11111111111');
  });

  it('containers: a page shorter than the total says so', async () => {
    const { ds } = setup({ '/containers': { data: { ...answers.CONTAINERS, total: 120 } } });
    const { data } = await ds.query(queryRequest([{ refId: 'A', queryType: 'containers' }]));
    expect((data as DataFrame[])[0].meta?.notices?.[1]).toEqual({ severity: 'warning', text: 'Showing 3 of 120 rows' });
  });

  it('images: tags, size in bytes and short ids', async () => {
    const { ds, urls } = setup({ '/images': { data: answers.IMAGES } });
    const { data } = await ds.query(queryRequest([{ refId: 'A', queryType: 'images', repository: 'nginx' }]));
    expect(paramsOf(urls[0])).toEqual({ repository: 'nginx' });
    const frame = (data as DataFrame[])[0];
    expect(frame.meta?.notices?.[0].text).toBe('Served from table docker_images');
    expect(field(frame, 'Tags').values).toEqual(['nginx:1.25, nginx:latest', '<none>']);
    expect(field(frame, 'Size').values).toEqual([187654321, 1234]);
    expect(field(frame, 'Size').config.unit).toBe('bytes');
    expect(field(frame, 'Image ID').values).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb']);
  });

  it('image versions: repository, tag and the time range', async () => {
    const { ds, urls } = setup({ '/image-versions': { data: answers.IMAGE_VERSIONS } });
    const { data } = await ds.query(
      queryRequest([{ refId: 'A', queryType: 'imageVersions', repository: 'nginx', tag: 'latest' }])
    );
    expect(paramsOf(urls[0])).toEqual({ repository: 'nginx', tag: 'latest', from: String(FROM_MS), to: String(TO_MS) });
    const frame = (data as DataFrame[])[0];
    expect(frame.meta?.notices?.[0].text).toBe('Served from table image_versions');
    expect(field(frame, 'Image').values).toEqual(['nginx:latest', 'nginx:1.25']);
    expect(field(frame, 'Previous image ID').values).toEqual(['cccccccccccc', '']);
    expect(field(frame, 'Time').values[0]).toBe(Date.parse('2026-11-28T12:00:00.000Z'));
  });
});

describe('logs queries', () => {
  it('send search text, stream, containers, limit and range, and answer a logs frame', async () => {
    const { ds, urls } = setup({ '/logs': { data: answers.LOGS } });
    const { data } = await ds.query(
      queryRequest([
        { refId: 'L', queryType: 'logs', search: '$q', stream: 'stderr', containers: ['$one'], limit: 100 },
      ])
    );
    expect(paramsOf(urls[0])).toEqual({
      containers: 'web',
      from: String(FROM_MS),
      to: String(TO_MS),
      q: 'error',
      stream: 'stderr',
      limit: '100',
    });
    const frame = (data as DataFrame[])[0];
    expect(frame.meta?.type).toBe(DataFrameType.LogLines);
    expect(frame.meta?.preferredVisualisationType).toBe('logs');
    expect(frame.meta?.notices?.map((n) => n.text)).toEqual([
      'Served from table container_logs',
      'More lines match: raise the limit or narrow the range',
    ]);
    expect(field(frame, 'timestamp').type).toBe(FieldType.time);
    expect(field(frame, 'timestamp').values).toEqual([
      Date.parse(answers.LOGS.items[0].time),
      Date.parse(answers.LOGS.items[1].time),
    ]);
    expect(field(frame, 'body').values).toEqual(['GET /missing 404', 'GET / 200']);
    expect(field(frame, 'labels').values[0]).toEqual({ container: 'web', host: 'h1', stream: 'stderr' });
    expect(new Set(field(frame, 'id').values).size).toBe(2);
  });

  it('stream "all" sends no stream; the limit stays within the API maximum', async () => {
    const { ds, urls } = setup({ '/logs': { data: { items: [], nextCursor: null } } });
    await ds.query(queryRequest([{ refId: 'L', queryType: 'logs', stream: 'all', limit: 100000 }]));
    expect(paramsOf(urls[0]).stream).toBeUndefined();
    expect(paramsOf(urls[0]).limit).toBe('5000');
  });
});

describe('events and annotations', () => {
  it('events become rows with time, title, text and tags; deploys come from image versions', async () => {
    const { ds, urls } = setup({
      '/events': { data: answers.EVENTS },
      '/image-versions': { data: answers.IMAGE_VERSIONS },
    });
    const { data } = await ds.query(
      queryRequest([
        {
          refId: 'E',
          queryType: 'events',
          containers: ['$container'],
          actions: ['oom', 'die', 'health_status'],
          includeDeploys: true,
        },
      ])
    );
    const events = urls.find((u) => u.includes('/events?'))!;
    expect(paramsOf(events)).toEqual({
      containers: 'web,db',
      from: String(FROM_MS),
      to: String(TO_MS),
      actions: 'oom,die,health_status',
    });
    expect(urls.some((u) => u.includes('/image-versions?'))).toBe(true);
    const frame = (data as DataFrame[])[0];
    expect(frame.meta?.notices?.[0].text).toBe('Served from table container_events, image_versions');
    expect(field(frame, 'title').values).toEqual([
      'c22222222222 health: unhealthy',
      'web exited with code 137',
      'web killed: out of memory',
      'Deploy: nginx:latest is now aaaaaaaaaaaa',
      'Deploy: nginx:1.25 is now aaaaaaaaaaaa',
    ]);
    expect(field(frame, 'tags').values[2]).toEqual(['oom', 'web']);
    expect(field(frame, 'action').values).toEqual(['health_status', 'die', 'oom', 'deploy', 'deploy']);
    expect(field(frame, 'text').values[3]).toBe('Deploy: nginx:latest is now aaaaaaaaaaaa (was cccccccccccc)');
    expect(field(frame, 'text').values[1]).toBe('web exited with code 137 (exitCode=137)');
    expect(field(frame, 'time').type).toBe(FieldType.time);
  });

  it('without deploys, only /events is asked', async () => {
    const { ds, urls } = setup({ '/events': { data: answers.EVENTS } });
    await ds.query(queryRequest([{ refId: 'E', queryType: 'events' }]));
    expect(urls).toHaveLength(1);
    expect(paramsOf(urls[0]).actions).toBeUndefined();
  });

  it('the default annotation query shows restarts, OOM kills, exits, health changes and deploys', () => {
    const { ds } = setup({});
    expect(ds.annotations?.getDefaultQuery?.()).toEqual({
      queryType: 'events',
      actions: ['restart', 'oom', 'die', 'health_status'],
      includeDeploys: true,
    });
  });
});

describe('template variables', () => {
  const run = async (ds: DataSource, query: DockpulseVariableQuery) => {
    const response = await lastValueFrom(
      (ds.variables as DockpulseVariableSupport).query({
        targets: [query],
        scopedVars: {},
      } as unknown as DataQueryRequest<DockpulseVariableQuery>)
    );
    const frame = response.data[0] as DataFrame;
    return { text: frame.fields[0].values, value: frame.fields[1].values };
  };

  it('hosts: names as text, ids as values', async () => {
    const { ds } = setup({ '/hosts': { data: answers.HOSTS } });
    expect(await run(ds, { refId: 'v', type: 'hosts' })).toEqual({
      text: ['docker-01', 'docker-02'],
      value: ['h1', 'h2'],
    });
  });

  it('containers of a host given as a variable, running only unless asked', async () => {
    const { ds, urls } = setup({ '/containers': { data: answers.CONTAINERS } });
    expect((await run(ds, { refId: 'v', type: 'containers', host: '$host' })).value).toEqual(['db', 'job', 'web']);
    expect(paramsOf(urls[0])).toEqual({ host: 'h1', state: 'running', limit: '1000' });
    await run(ds, { refId: 'v', type: 'containers', host: '$all', includeStopped: true });
    expect(paramsOf(urls[1])).toEqual({ limit: '1000' });
  });

  it('images: repositories without tags, once each', async () => {
    const { ds } = setup({ '/images': { data: answers.IMAGES } });
    expect((await run(ds, { refId: 'v', type: 'images' })).value).toEqual(['nginx']);
  });

  it('metricFindQuery understands the legacy text form', async () => {
    const { ds, urls } = setup({ '/containers': { data: answers.CONTAINERS }, '/hosts': { data: answers.HOSTS } });
    expect((await ds.metricFindQuery('containers of $host')).map((v) => v.text)).toEqual(['db', 'job', 'web']);
    expect(paramsOf(urls[0]).host).toBe('h1');
    expect(await ds.metricFindQuery('hosts')).toEqual([
      { text: 'docker-01', value: 'h1' },
      { text: 'docker-02', value: 'h2' },
    ]);
    expect(await ds.metricFindQuery('nonsense')).toEqual([]);
  });

  it('offers the dashboard variables to the pickers', () => {
    const { ds } = setup({});
    expect(ds.getVariableNames()).toContain('$container');
  });
});

describe('testDatasource', () => {
  it('reports database, storage flavour and cache from /health', async () => {
    const { ds, urls } = setup({ '/health': { data: answers.HEALTH_OK } });
    expect(await ds.testDatasource()).toEqual({
      status: 'success',
      message: 'Dockpulse API 0.1.0: database ok, storage postgres, cache redis ok',
    });
    expect(urls).toEqual([`${API_BASE}/health`]);
  });

  it('a 503 with a health body says the database is down', async () => {
    const { ds } = setup({ '/health': { status: 503, data: answers.HEALTH_DB_DOWN } });
    const result = await ds.testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toContain('database down');
    expect(result.message).toContain('(status unavailable)');
  });

  it('a refused token is named as such', async () => {
    const { ds } = setup({
      '/health': { status: 401, data: { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } } },
    });
    expect(await ds.testDatasource()).toEqual({
      status: 'error',
      message: 'The API refused the token (401): check the API token.',
    });
  });

  it('an unreachable API names the URL', async () => {
    const { ds } = setup({ '/health': { status: 502, data: { message: 'Bad Gateway' } } });
    const result = await ds.testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toBe('Could not reach the Dockpulse API at http://api:8080: Dockpulse API 502: Bad Gateway');
  });

  it('without an API URL nothing is asked', async () => {
    const { ds, fetch } = setup({}, { apiUrl: '' });
    expect((await ds.testDatasource()).message).toMatch(/Set the API URL/);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("the storage flavour is the database's (the API sends no storage field), and a degraded cache is named", () => {
    const timescale = { ...answers.HEALTH_OK, database: { ...answers.HEALTH_OK.database!, flavour: 'timescaledb' } };
    expect(describeHealth(timescale).message).toContain('storage timescaledb');
    // A database without the flavour in dockpulse_meta: flavour null.
    const unknown = { ...answers.HEALTH_OK, database: { ...answers.HEALTH_OK.database!, flavour: null } };
    expect(describeHealth(unknown).message).toContain('storage unknown');
    expect(
      describeHealth({
        ...answers.HEALTH_OK,
        status: 'degraded',
        cache: { backend: 'redis', enabled: true, ok: false },
      })
    ).toEqual({
      status: 'warning',
      message: 'Dockpulse API 0.1.0: database ok, storage postgres, cache redis (failing) (status degraded)',
    });
  });

  it('names the replica when the API reads from one, and why it degrades the status', () => {
    const replica = { ok: true, inRecovery: true, replayLagSeconds: 0.4, replayedAllReceived: true, latencyMs: 2 };
    expect(describeHealth({ ...answers.HEALTH_OK, replica }).message).toBe(
      'Dockpulse API 0.1.0: database ok, storage postgres, replica ok, cache redis ok'
    );
    expect(
      describeHealth({ ...answers.HEALTH_OK, status: 'degraded', replica: { ok: false, error: 'replica not reachable' } })
    ).toEqual({
      status: 'warning',
      message: 'Dockpulse API 0.1.0: database ok, storage postgres, replica down, cache redis ok (status degraded)',
    });
    expect(
      describeHealth({ ...answers.HEALTH_OK, status: 'degraded', replica: { ok: true, inRecovery: false } }).message
    ).toContain('replica not a standby');
  });
});

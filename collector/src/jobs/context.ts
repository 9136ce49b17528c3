import type { Pool } from 'pg';
import type { Logger, RowSink } from '@dockpulse/common';
import type { Engine } from '../docker/client';
import type { CollectorMetrics } from '../metrics';

/** What every job works with. The jobs see the engine and the sink, never the writer itself. */
export interface JobContext {
  engine: Engine;
  sink: RowSink;
  pool: Pool;
  hostId: string;
  metrics: CollectorMetrics;
  logger: Logger;
}

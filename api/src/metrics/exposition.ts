// Prometheus text format for the containers' latest samples. Written by hand because the values
// come from the database at scrape time, not from counters this process increments.
import type { LatestContainerSample } from './store';

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  value: (s: LatestContainerSample) => number | null;
}

const FAMILIES: Family[] = [
  { name: 'dockpulse_container_cpu_percent', type: 'gauge', help: 'CPU use of the latest sample, percent of one core (docker stats semantics).', value: (s) => s.cpu_percent },
  { name: 'dockpulse_container_memory_used_bytes', type: 'gauge', help: 'Memory used (usage minus inactive file cache) of the latest sample.', value: (s) => s.mem_used_bytes },
  { name: 'dockpulse_container_memory_limit_bytes', type: 'gauge', help: 'Memory limit seen by the container.', value: (s) => s.mem_limit_bytes },
  { name: 'dockpulse_container_memory_percent', type: 'gauge', help: 'Memory used as percent of the limit.', value: (s) => s.mem_percent },
  { name: 'dockpulse_container_pids', type: 'gauge', help: 'Processes and threads in the container.', value: (s) => s.pids },
  { name: 'dockpulse_container_network_receive_bytes_total', type: 'counter', help: 'Bytes received over all interfaces since the container started.', value: (s) => s.net_rx_bytes },
  { name: 'dockpulse_container_network_transmit_bytes_total', type: 'counter', help: 'Bytes sent over all interfaces since the container started.', value: (s) => s.net_tx_bytes },
  { name: 'dockpulse_container_block_read_bytes_total', type: 'counter', help: 'Bytes read from block devices since the container started.', value: (s) => s.blk_read_bytes },
  { name: 'dockpulse_container_block_write_bytes_total', type: 'counter', help: 'Bytes written to block devices since the container started.', value: (s) => s.blk_write_bytes },
  { name: 'dockpulse_container_last_sample_timestamp_seconds', type: 'gauge', help: 'When the latest sample was taken (Unix time).', value: (s) => s.time.getTime() / 1000 },
];

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labels(s: LatestContainerSample): string {
  const pairs: [string, string][] = [
    ['host', s.host_name],
    ['host_id', s.host_id],
    ['container', s.name],
    ['container_id', s.container_id],
    ['image', s.image ?? ''],
    ['compose_project', s.compose_project ?? ''],
    ['compose_service', s.compose_service ?? ''],
  ];
  return pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
}

const formatValue = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

export function containerExposition(samples: LatestContainerSample[]): string {
  const out: string[] = [];
  for (const family of FAMILIES) {
    out.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const s of samples) {
      const v = family.value(s);
      if (v === null || v === undefined) continue;
      out.push(`${family.name}{${labels(s)}} ${formatValue(Number(v))}`);
    }
  }
  return `${out.join('\n')}\n`;
}

import type { DataFrame } from '@grafana/data';
import * as answers from './__fixtures__/answers';
import { containersFrame } from './frames';
import { containerDashboardUrl } from '../pages/ContainersPage';

/**
 * The link of row `row` of the Name field as Grafana fills it in: ${__value.raw} is the cell,
 * ${__data.fields.X} the same row's value of field X (a field that is not there fails the test),
 * ${__url_time_range} the panel's range; values are URL-encoded, as Grafana encodes data link variables.
 */
function nameLink(frame: DataFrame, row: number): string {
  const field = frame.fields.find((f) => f.name === 'Name')!;
  const url = field.config.links![0].url;
  return url
    .replace('${__value.raw}', encodeURIComponent(String(field.values[row])))
    .replace(/\$\{__data\.fields\.(\w+)\}/g, (_all, name: string) => {
      const other = frame.fields.find((f) => f.name === name);
      if (!other) {
        throw new Error(`the link names field ${name}, which the frame does not have`);
      }
      return encodeURIComponent(String(other.values[row]));
    })
    .replace('${__url_time_range}', 'from=1795940000000&to=1795943600000');
}

describe('containers table link', () => {
  const sameName = {
    ...answers.CONTAINERS,
    items: [
      { ...answers.CONTAINERS.items[0], hostId: 'h1' },
      { ...answers.CONTAINERS.items[0], hostId: 'docker 02', containerId: 'c9'.padEnd(64, '9') },
    ],
  };

  it("opens the container detail dashboard for the row's host and container, as the containers page does", () => {
    const frame = containersFrame(sameName, 'A');
    expect(nameLink(frame, 0)).toBe(
      '/d/dockpulse-container/dockpulse-container-detail?var-host=h1&var-container=web&from=1795940000000&to=1795943600000'
    );
    // Two hosts with a container called web: two different dashboards, the host encoded.
    expect(nameLink(frame, 1)).toBe(
      '/d/dockpulse-container/dockpulse-container-detail?var-host=docker%2002&var-container=web&from=1795940000000&to=1795943600000'
    );
    for (const [row, container] of sameName.items.entries()) {
      expect(nameLink(frame, row)).toBe(`${containerDashboardUrl(container)}&from=1795940000000&to=1795943600000`);
    }
  });
});

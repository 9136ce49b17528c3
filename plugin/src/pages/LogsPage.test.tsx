import React from 'react';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LogViewer } from './LogsPage';
import { mergeLines } from './useLogLines';
import { fakeApi, renderWithApi, useAnswersClock } from './testing';
import * as answers from '../datasource/__fixtures__/answers';
import type { LogItem } from '../datasource/api';

const user = userEvent.setup({ delay: null });

const newer: LogItem = {
  ...answers.LOGS.items[0],
  time: '2026-11-29T10:00:05.000000Z',
  timeUs: '1795946405000000',
  message: 'GET /new 200',
  stream: 'stdout',
};

describe('log viewer', () => {
  // The answers' lines are from 2026-11-29; the page's default range is the last 6 hours of now.
  useAnswersClock();

  it('shows the newest lines with time, container and stream', async () => {
    const api = fakeApi();
    renderWithApi(<LogViewer />, api);
    const log = await screen.findByRole('log', { name: 'Log lines' });
    expect(within(log).getByText('GET /missing 404')).toBeInTheDocument();
    expect(within(log).getAllByText('web')).toHaveLength(2);
    expect(within(log).getByText('stderr')).toBeInTheDocument();
    const first = api.logs.mock.calls[0][0];
    // Grafana's default range: the last 6 hours
    expect(first).toMatchObject({ fromMs: answers.ANSWERS_NOW_MS - 6 * 3_600_000, toMs: answers.ANSWERS_NOW_MS, limit: 200 });
    expect(first.q).toBeUndefined();
  });

  it('searches text, filters stream and containers', async () => {
    const api = fakeApi();
    renderWithApi(<LogViewer />, api);
    await screen.findByRole('log');
    await user.type(screen.getByLabelText('Search'), 'timeout');
    await waitFor(() => expect(api.logs.mock.lastCall[0]).toMatchObject({ q: 'timeout' }));
    await user.click(screen.getByRole('radio', { name: 'stderr' }));
    await waitFor(() => expect(api.logs.mock.lastCall[0]).toMatchObject({ q: 'timeout', stream: 'stderr' }));
    await user.click(screen.getByRole('combobox', { name: 'Containers' }));
    await user.click(await screen.findByRole('option', { name: 'db' }));
    await waitFor(() =>
      expect(api.logs.mock.lastCall[0]).toMatchObject({ q: 'timeout', stream: 'stderr', containers: ['db'] })
    );
  });

  it('loads older lines with the cursor', async () => {
    const older: LogItem = {
      ...answers.LOGS.items[1],
      time: '2026-11-29T09:00:00.000000Z',
      timeUs: '1795942800000000',
      message: 'booting',
    };
    const api = fakeApi({
      logs: jest
        .fn()
        .mockResolvedValueOnce(answers.LOGS)
        .mockResolvedValueOnce({ items: [older], nextCursor: null }),
    });
    renderWithApi(<LogViewer />, api);
    await user.click(await screen.findByRole('button', { name: 'Load older lines' }));
    expect(await screen.findByText('booting')).toBeInTheDocument();
    expect(api.logs.mock.calls[1][0]).toMatchObject({ cursor: answers.LOGS.nextCursor });
    expect(screen.queryByRole('button', { name: 'Load older lines' })).not.toBeInTheDocument();
  });

  it('live tail polls from the newest line shown and adds only new lines', async () => {
    const api = fakeApi({
      logs: jest
        .fn()
        .mockResolvedValueOnce(answers.LOGS)
        .mockResolvedValue({ items: [newer, answers.LOGS.items[0]], nextCursor: null }),
    });
    renderWithApi(<LogViewer tailIntervalMs={50} />, api);
    await screen.findByText('GET /missing 404');
    await user.click(screen.getByLabelText('Live tail'));
    expect(await screen.findByText('GET /new 200')).toBeInTheDocument();
    const tailCall = api.logs.mock.calls[1][0];
    // from the newest line shown, which lies inside the default range
    expect(answers.ANSWERS_NOW_MS - 6 * 3_600_000).toBeLessThan(Date.parse(answers.LOGS.items[0].time));
    expect(tailCall.fromMs).toBe(Date.parse(answers.LOGS.items[0].time));
    expect(screen.getAllByText('GET /missing 404')).toHaveLength(1);
    await user.click(screen.getByLabelText('Live tail'));
    const calls = api.logs.mock.calls.length;
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(api.logs.mock.calls.length).toBe(calls);
  });

  it('says so when nothing matches, and shows errors', async () => {
    renderWithApi(<LogViewer />, fakeApi({ logs: jest.fn().mockResolvedValue({ items: [], nextCursor: null }) }));
    expect(await screen.findByText('No log lines match')).toBeInTheDocument();
  });

  it('shows the API error', async () => {
    renderWithApi(
      <LogViewer />,
      fakeApi({ logs: jest.fn().mockRejectedValue(new Error('Dockpulse API 400: invalid parameter "q"')) })
    );
    expect(await screen.findByText('Could not load logs')).toBeInTheDocument();
    expect(screen.getByText('Dockpulse API 400: invalid parameter "q"')).toBeInTheDocument();
  });

  it('mergeLines keeps each line once, newest first', () => {
    expect(mergeLines([newer, answers.LOGS.items[0]], answers.LOGS.items).map((l) => l.message)).toEqual([
      'GET /new 200',
      'GET /missing 404',
      'GET / 200',
    ]);
  });
});

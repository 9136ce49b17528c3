// Renders a page with a fake API whose answers the test chooses.
import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { render } from '@testing-library/react';
import { ApiProvider, type PagesApi } from '../api/ApiContext';
import * as answers from '../datasource/__fixtures__/answers';

/**
 * Freezes Date at ANSWERS_NOW_MS for the tests of the calling file. Only Date is faked: timers,
 * promises and React's scheduler run on the real clock, so user-event and waitFor work as usual.
 */
export function useAnswersClock(): void {
  beforeEach(() => {
    jest.useFakeTimers({
      now: answers.ANSWERS_NOW_MS,
      doNotFake: [
        'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame',
        'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval',
        'clearInterval', 'setTimeout', 'clearTimeout',
      ],
    });
  });
  afterEach(() => jest.useRealTimers());
}

export type FakeApi = { [K in keyof PagesApi]: jest.Mock };

export function fakeApi(overrides: Partial<FakeApi> = {}): FakeApi {
  return {
    hosts: jest.fn().mockResolvedValue(answers.HOSTS.items),
    containers: jest.fn().mockResolvedValue(answers.CONTAINERS),
    stats: jest.fn().mockResolvedValue(answers.STATS),
    images: jest.fn().mockResolvedValue(answers.IMAGES),
    versionsOfImage: jest.fn().mockResolvedValue(answers.VERSIONS_OF_IMAGE.items),
    logs: jest.fn().mockResolvedValue(answers.LOGS),
    ...overrides,
  };
}

export function renderWithApi(ui: React.ReactElement, api: FakeApi) {
  return render(
    <MemoryRouter>
      <ApiProvider value={api as unknown as PagesApi}>{ui}</ApiProvider>
    </MemoryRouter>
  );
}
